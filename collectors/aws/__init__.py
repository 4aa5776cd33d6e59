"""AWS collectors: Lambda, SageMaker endpoints and SageMaker Serverless (``kind = "aws"`` sources)."""
