#!/usr/bin/env bash
# The Prometheus rules and the contrib examples: promtool checks and unit-tests
# the rules (contrib/prometheus/rules_test.yml), checks the scrape config, and
# the rules, the DaemonSet and the Kubernetes scrape config are checked
# against each other and against the metrics contract (docs/metrics.md).
# usage: tests/packaging/prometheus-rules.sh [BUILD_DIR]   (from the tree's top)
set -euo pipefail
cd "$(dirname "$0")/../.."
fail() { echo "FAIL: $*" >&2; exit 1; }
command -v promtool >/dev/null || fail "promtool missing (Debian package prometheus)"

(cd contrib/prometheus && promtool check rules rules.yml) || fail "promtool check rules"
(cd contrib/prometheus && promtool test rules rules_test.yml) || fail "promtool test rules"
(cd contrib/prometheus && promtool check config prometheus.yml) || fail "promtool check config"

# Every metric the rules use is in the contract; every alert is documented.
for m in $(grep -o 'tmi_[a-z_]*' contrib/prometheus/rules.yml | sort -u); do
  grep -q "\`$m\`" docs/metrics.md || fail "rules.yml uses $m, not in docs/metrics.md"
done
for r in $(sed -n 's/^ *- \(alert\|record\): *\([^ ]*\)$/\2/p' contrib/prometheus/rules.yml); do
  grep -q "\`$r\`" docs/metrics.md || fail "rule $r is not listed in docs/metrics.md"
done

# The DaemonSet: what the scrape config keeps, and the unit's capabilities.
caps=$(sed -n 's/^CapabilityBoundingSet=//p' contrib/systemd/trace-map-iter.service.in)
python3 - "$caps" <<'PY' || fail "the DaemonSet, the scrape configs and the unit disagree (see the assertion)"
import re, sys, yaml
unit_caps = sorted(c.removeprefix("CAP_") for c in sys.argv[1].split())
ds = yaml.safe_load(open("contrib/kubernetes/daemonset.yaml"))
assert ds["kind"] == "DaemonSet", ds["kind"]
pod = ds["spec"]["template"]
assert ds["spec"]["selector"]["matchLabels"].items() <= pod["metadata"]["labels"].items()
c = pod["spec"]["containers"][0]
assert c["args"][0] == "serve", c["args"]
sc = c["securityContext"]
assert sc["capabilities"]["drop"] == ["ALL"]
assert sorted(sc["capabilities"]["add"]) == unit_caps, (sc["capabilities"]["add"], unit_caps)
assert not sc.get("privileged", False)
port = [p for p in c["ports"] if p["name"] == "metrics"][0]["containerPort"]
listen = c["args"][c["args"].index("--listen") + 1]
assert listen.endswith(f":{port}"), (listen, port)

k8s = yaml.safe_load(open("contrib/prometheus/prometheus-kubernetes.yml"))
job = k8s["scrape_configs"][0]
keep = {r["source_labels"][0]: r["regex"] for r in job["relabel_configs"] if r.get("action") == "keep"}
name = pod["metadata"]["labels"]["app.kubernetes.io/name"]
assert re.fullmatch(keep["__meta_kubernetes_pod_label_app_kubernetes_io_name"], name)
assert re.fullmatch(keep["__meta_kubernetes_pod_container_port_name"], "metrics")
# One port everywhere: the unit's --listen, the DaemonSet's, the static targets'.
unit = open("contrib/systemd/trace-map-iter.service.in").read()
unit_port = int(re.search(r'TMI_SERVE_ARGS=--listen [^:"]*:(\d+)', unit).group(1))
assert unit_port == port, (unit_port, port)
static = yaml.safe_load(open("contrib/prometheus/prometheus.yml"))
targets = [t for sc in static["scrape_configs"] for c in sc["static_configs"] for t in c["targets"]]
assert targets and all(t.endswith(f":{port}") for t in targets), targets
assert static["scrape_configs"][0]["job_name"] == "trace-map-iter"
# The alert TmiExporterDown matches on job="trace-map-iter".
assert any(r.get("target_label") == "job" and r["replacement"] == "trace-map-iter"
           for r in job["relabel_configs"])
PY
echo "ok: prometheus rules, rule tests, scrape configs, DaemonSet"
