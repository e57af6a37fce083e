#!/usr/bin/env bash
# Build the deployable CloudFormation package into OUTDIR:
#   OUTDIR/sam.yaml         the Chalice template merged with infra/resources.yaml
#   OUTDIR/deployment.zip   the Lambda code and its dependencies
# Usage: infra/package.sh OUTDIR
# The interpreter defaults to the repository's .venv; override with PYTHON=/path/to/python.
set -euo pipefail

if [[ $# -ne 1 ]]; then
    echo "usage: $0 OUTDIR" >&2
    exit 2
fi
outdir=$(realpath -m "$1")  # absolute: the build runs from the repository root
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
python=${PYTHON:-$repo/.venv/bin/python}

# Chalice takes the Lambda runtime, and the ABI of the wheels it bundles, from the interpreter it
# runs under; anything but the runtime the stack is designed for would deploy broken binaries.
if ! "$python" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
    echo "$0: $python is not Python 3.11, the Lambda runtime of this app" >&2
    exit 1
fi

cd "$repo"
# KABINET_STAGE: app.py names the SQS queue of its consumer after the stage at import time; the
# template replaces that ARN with its own queue's, and gives the functions KABINET_STAGE from its
# Stage parameter, so the one package deploys any stage. `--stage prod` is the Chalice
# configuration the package is built with (.chalice/config.json: sizes, API stage, no roles).
# AWS_DEFAULT_REGION: Chalice needs some region to start, but the template uses ${AWS::Region},
# so the package is the same whichever region is named here.
KABINET_STAGE=prod AWS_DEFAULT_REGION=${AWS_DEFAULT_REGION:-eu-central-1} \
    "$python" -c 'import sys; from chalice.cli import main; sys.exit(main())' \
    package --stage prod --pkg-format cloudformation --template-format yaml \
    --merge-template "$repo/infra/resources.yaml" "$outdir"
