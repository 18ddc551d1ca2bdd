#!/usr/bin/env bash
# The packaged chart (scripts/package-chart) installs on the local cluster
# with `image` pointing at the tag the image build produces, and the
# Deployment runs exactly that image.
set -euo pipefail
cd "${LATTICE_SOURCE_DIR:?}"
. image/image.env
fail() { echo "FAIL: $*" >&2; exit 1; }

chart=$(scripts/package-chart "$(mktemp -d)")
version=$(tar -xzOf "$chart" lattice-operator/Chart.yaml | sed -n 's/^version: //p')
image="$IMAGE_REPOSITORY:$version"
uninstall() { helm uninstall operator --namespace lattice --wait >/dev/null 2>&1 || true; }
# The namespace too (helm --create-namespace made it): the suite's leftovers check fails on it,
# and the next install into it is refused while it is terminating, so the delete is waited for.
cleanup() {
  uninstall
  kubectl delete namespace lattice --ignore-not-found --wait=true --timeout=180s >/dev/null || true
}
trap cleanup EXIT
uninstall
helm install operator "$chart" --namespace lattice --create-namespace --set image="$image" \
  --set crds.keep=false --wait --timeout 180s >/dev/null
got=$(kubectl get deployment lattice-operator --namespace lattice -o jsonpath='{.spec.template.spec.containers[0].image}')
[ "$got" = "$image" ] || fail "Deployment runs $got, expected $image"
kubectl rollout status deployment/lattice-operator --namespace lattice --timeout=120s >/dev/null \
  || fail "Deployment did not become available"
echo "ok: packaged chart $(basename "$chart") installed with image $image"
