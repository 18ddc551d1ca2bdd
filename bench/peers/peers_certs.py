"""Webhook serving certificates for the peers, made with openssl.

Both peers manage their webhook certificates with open-policy-agent/cert-controller's rotator: at start
it reads a Secret (ca.crt, ca.key, tls.crt, tls.key), keeps it when the CA verifies for the CA name and the
server certificate verifies for <service>.<namespace>.svc and neither expires within 90 days, writes the
pair to the webhook server's certificate directory and injects the CA into the webhook configurations.
The certificates made here satisfy that check and also name 127.0.0.1, so the API server can call the
webhooks at https://127.0.0.1:PORT (clientConfig.url) while each peer runs as a local process: the peers
keep their own certificate management, only the first pair comes from here."""

import base64
import os
import subprocess
import tempfile

DAYS = 3650


def _openssl(*args, cwd):
    result = subprocess.run(["openssl", *args], cwd=cwd, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"openssl {' '.join(args[:2])} failed: {result.stderr.strip()}")


def make_pair(ca_name, dns_name):
    """{"ca.crt", "ca.key", "tls.crt", "tls.key"} as PEM bytes: a CA whose CN and DNS SAN are ca_name (what
    the rotator verifies it for) and a server certificate for dns_name and 127.0.0.1 signed by it."""
    with tempfile.TemporaryDirectory(prefix="lattice-peers-pki-") as d:
        with open(os.path.join(d, "ca.cnf"), "w") as f:
            f.write(
                "[req]\ndistinguished_name=dn\n[dn]\n[ext]\n"
                "basicConstraints=critical,CA:TRUE\n"
                "keyUsage=critical,digitalSignature,keyEncipherment,keyCertSign\n"
                f"subjectAltName=DNS:{ca_name}\n"
            )
        with open(os.path.join(d, "server.cnf"), "w") as f:
            f.write(
                "[ext]\nbasicConstraints=CA:FALSE\n"
                "keyUsage=critical,digitalSignature,keyEncipherment\n"
                "extendedKeyUsage=serverAuth\n"
                f"subjectAltName=DNS:{dns_name},IP:127.0.0.1\n"
            )
        _openssl("genrsa", "-traditional", "-out", "ca.key", "2048", cwd=d)
        _openssl(
            "req", "-x509", "-new", "-key", "ca.key", "-days", str(DAYS), "-subj", f"/CN={ca_name}",
            "-config", "ca.cnf", "-extensions", "ext", "-out", "ca.crt", cwd=d,
        )  # fmt: skip
        _openssl("genrsa", "-traditional", "-out", "tls.key", "2048", cwd=d)
        _openssl("req", "-new", "-key", "tls.key", "-subj", f"/CN={dns_name}", "-out", "tls.csr", cwd=d)
        _openssl(
            "x509", "-req", "-in", "tls.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
            "-days", str(DAYS), "-extfile", "server.cnf", "-extensions", "ext", "-out", "tls.crt", cwd=d,
        )  # fmt: skip
        return {
            name: open(os.path.join(d, name), "rb").read()
            for name in ("ca.crt", "ca.key", "tls.crt", "tls.key")
        }


def secret(name, namespace, pair, labels):
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": name, "namespace": namespace, "labels": labels},
        "type": "Opaque",
        "data": {k: base64.b64encode(v).decode() for k, v in pair.items()},
    }


def write_mount(directory, pair):
    """The Secret's keys as files, as a Secret volume mount shows them (the key files 0600)."""
    os.makedirs(directory, exist_ok=True)
    for name, data in pair.items():
        path = os.path.join(directory, name)
        with open(path, "wb") as f:
            f.write(data)
        os.chmod(path, 0o600 if name.endswith(".key") else 0o644)
