#!/usr/bin/env python3
"""Trims public Kubernetes manifests to what `meshsim import kubernetes` reads, so the
example inputs stay short: kind, metadata (name, namespace, labels, annotations), the
Deployment's replicas, selector and pod template (labels, annotations, service account,
each container's name, image, ports and resources), and Services, Gateways and
VirtualServices whole. Everything else (env, probes, security contexts, volumes) is
dropped; comments are not kept. The README beside this file names the sources.
usage: trim-manifests.py < upstream.yaml > trimmed.yaml   (needs python3-yaml)"""
import sys
import yaml

KEEP_META = ("name", "namespace", "labels", "annotations")


def trim_meta(m):
    return {k: v for k, v in (m or {}).items() if k in KEEP_META}


def trim(obj):
    out = {"apiVersion": obj["apiVersion"], "kind": obj["kind"], "metadata": trim_meta(obj.get("metadata"))}
    if obj["kind"] in ("Deployment", "StatefulSet", "DaemonSet"):
        spec = obj["spec"]
        tmpl = spec["template"]
        pod = tmpl["spec"]
        keep_pod = {k: pod[k] for k in ("serviceAccountName",) if k in pod}
        keep_pod["containers"] = [
            {k: c[k] for k in ("name", "image", "ports", "resources") if k in c} for c in pod["containers"]
        ]
        s = {k: spec[k] for k in ("replicas", "selector") if k in spec}
        s["template"] = {"metadata": trim_meta(tmpl.get("metadata")), "spec": keep_pod}
        out["spec"] = s
    elif "spec" in obj:
        out["spec"] = obj["spec"]
    return out


docs = [d for d in yaml.safe_load_all(sys.stdin) if d]
sys.stdout.write(yaml.safe_dump_all([trim(d) for d in docs], sort_keys=False, explicit_start=True))
