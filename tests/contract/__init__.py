"""Contract tests: responses checked against CircleCI's published OpenAPI document."""
