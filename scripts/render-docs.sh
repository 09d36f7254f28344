#!/usr/bin/env bash
# Re-renders docs/index.md and docs/resources/*.md from the provider's schemas
# and the files under examples/ and docs/templates/, through the docs test in
# update mode. Commit the result; `cargo test --test docs` fails while a
# committed page differs from a fresh render.
#
# Usage: scripts/render-docs.sh
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO_ROOT"

WORKLOAD_UPDATE_DOCS=1 cargo test --quiet --test docs committed_docs_match_render -- --nocapture
git status --short docs/
