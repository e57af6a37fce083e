#!/usr/bin/env bash
# Build the deployable CloudFormation package into OUTDIR:
#   OUTDIR/sam.yaml         the Chalice template merged with infra/resources.yaml
#   OUTDIR/deployment.zip   the Lambda code and its dependencies
#   OUTDIR/site/            the site to publish to the site bucket (build/site, built by `make site`)
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
# Chalice packages what its project's requirements.txt names: it builds from a copy of the app whose
# requirements.txt is the lock, so the package holds exactly the locked set, every file hash-checked
# (the repository's requirements.txt is the edited input of `make lock`).
project=$(mktemp -d)
trap 'rm -rf "$project"' EXIT
mkdir "$project/.chalice"
cp .chalice/config.json "$project/.chalice/"
cp -R app.py chalicelib "$project/"
find "$project" -name __pycache__ -prune -exec rm -rf {} +
cp requirements.lock "$project/requirements.txt"
# KABINET_STAGE: app.py names the SQS queue of its consumer after the stage at import time; the
# template replaces that ARN with its own queue's, and gives the functions KABINET_STAGE from its
# Stage parameter, so the one package deploys any stage. `--stage prod` is the Chalice
# configuration the package is built with (.chalice/config.json: sizes, API stage, no roles).
# AWS_DEFAULT_REGION: Chalice needs some region to start, but the template uses ${AWS::Region},
# so the package is the same whichever region is named here.
KABINET_STAGE=prod AWS_DEFAULT_REGION=${AWS_DEFAULT_REGION:-eu-central-1} \
    "$python" -c 'import sys; from chalice.cli import main; sys.exit(main())' \
    --project-dir "$project" package --stage prod --pkg-format cloudformation --template-format yaml \
    --merge-template "$repo/infra/resources.yaml" "$outdir"

# The site as browsers load it: the bundles of static-site/ (`make package` builds them first).
if [[ ! -f "$repo/build/site/index.html" ]]; then
    echo "$0: build/site is missing; run make site first" >&2
    exit 1
fi
rm -rf "$outdir/site"
cp -R "$repo/build/site" "$outdir/site"
