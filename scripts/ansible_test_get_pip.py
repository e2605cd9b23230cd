"""Offline stand-in for the get-pip bootstrap script that ansible-test downloads.

ansible-test looks for a cached copy at ~/.ansible/test/cache/get_pip_<version>.py
before downloading one from a host these machines cannot reach. It runs it as
``python get_pip.py [pip options] pip==X [--no-setuptools] [--no-wheel]`` inside
a fresh virtualenv. This stand-in bootstraps pip from the interpreter's bundled
wheel (ensurepip) and then installs the requested pip through the package index
the machine is configured for.
"""
import ensurepip
import os
import subprocess
import sys

CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"


def main():
    args = [arg for arg in sys.argv[1:] if arg not in ("--no-setuptools", "--no-wheel")]
    ensurepip.bootstrap()
    cert = os.environ.get("PIP_CERT") or (CA_BUNDLE if os.path.exists(CA_BUNDLE) else None)
    command = [sys.executable, "-m", "pip", "install", "--quiet"]
    if cert:
        command += ["--cert", cert]
    subprocess.check_call(command + args)


if __name__ == "__main__":
    main()
