"""The delivery pipeline: a self-mutating CDK Pipelines CodePipeline from GitHub through staging to production."""
