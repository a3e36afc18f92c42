#!/usr/bin/env bash
# A private S3-compatible store (s3rver behind a SigV4-verifying front) for tests and
# benchmarks; see scripts/aws-store.sh for the commands and the variables it prints.
exec "$(dirname "$0")/aws-store.sh" s3 "$@"
