"""Build the sample pack: a TEST DOUBLE shaped like the wso2am-<version>.zip distribution.

The real WSO2 pack cannot be downloaded here. The sample pack has the real
layout, the configuration files from tests/fixtures/carbon/<version> (our own
files in the real formats), the publisher/store/admin jaggery apps and the
2.x publisher REST webapp as placeholders, the dbscripts from
tests/fixtures/dbscripts, and a bin/wso2server.sh that starts the stand-in
server (standin_server.py) instead of Carbon.

The archive is reproducible: fixed timestamps and sorted entries, so the same
inputs give the same bytes and the same checksum.

    python tests/sample_pack/build.py --output build/wso2am-2.6.0.zip
"""
import argparse
import hashlib
import os
import sys
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(os.path.dirname(HERE), "fixtures")
FIXED_TIME = (2020, 1, 1, 0, 0, 0)
DEFAULT_VERSION = "2.6.0"

WSO2SERVER_SH = """#!/bin/sh
# Sample pack (TEST DOUBLE): starts the stand-in server instead of WSO2 Carbon.
# Accepts the real script's -Dprofile=<name> option; runs in the foreground.
CARBON_HOME="$(cd "$(dirname "$0")/.." && pwd)"
export CARBON_HOME
exec python3 "$CARBON_HOME/bin/sample-pack-standin-server.py" "$@"
"""

JAGGERY_APPS = ("publisher", "store", "admin")
PUBLISHER_WEBAPPS = {
    "2.6.0": ("api#am#publisher#v0.14.war",),
    "2.1.0": ("api#am#publisher#v0.11.war",),
}


def pack_entries(version):
    """Yield (archive path, bytes, executable) for every file of the pack."""
    top = "wso2am-%s" % version
    conf_root = os.path.join(FIXTURES, "carbon", version)
    if not os.path.isdir(conf_root):
        raise SystemExit("no configuration fixtures for version %s in %s" % (version, conf_root))
    for base, source in ((conf_root, conf_root), (os.path.join(FIXTURES, "dbscripts"), None)):
        if not os.path.isdir(base):
            continue
        for dirpath, dirnames, filenames in os.walk(base):
            dirnames.sort()
            for name in sorted(filenames):
                path = os.path.join(dirpath, name)
                rel = os.path.relpath(path, base)
                if source is None:
                    rel = os.path.join("dbscripts", rel)
                with open(path, "rb") as handle:
                    yield "%s/%s" % (top, rel.replace(os.sep, "/")), handle.read(), False
    yield "%s/bin/wso2server.sh" % top, WSO2SERVER_SH.encode(), True
    with open(os.path.join(HERE, "standin_server.py"), "rb") as handle:
        yield "%s/bin/sample-pack-standin-server.py" % top, handle.read(), True
    yield "%s/SAMPLE-PACK-TEST-DOUBLE.txt" % top, (
        "This is the multidc.apim sample pack, a test double for wso2am-%s.\n"
        "It is not WSO2 API Manager. bin/wso2server.sh starts a stand-in HTTP server.\n" % version).encode(), False
    deployment = "%s/repository/deployment/server" % top
    for app in JAGGERY_APPS:
        yield "%s/jaggeryapps/%s/site/conf/site.json" % (deployment, app), (
            '{"app": "%s", "test_double": true}\n' % app).encode(), False
        yield "%s/jaggeryapps/%s/index.jag" % (deployment, app), (
            "<%% print('%s (sample pack)'); %%>\n" % app).encode(), False
    for war in PUBLISHER_WEBAPPS.get(version, ()):
        yield "%s/webapps/%s" % (deployment, war), b"sample pack placeholder for the publisher REST API webapp\n", False
    yield "%s/synapse-configs/default/api/_TokenAPI_.xml" % deployment, (
        b'<?xml version="1.0" encoding="UTF-8"?>\n'
        b'<api xmlns="http://ws.apache.org/ns/synapse" name="_TokenAPI_" context="/token">\n'
        b'    <!-- sample pack placeholder -->\n</api>\n'), False
    yield "%s/repository/components/dropins/README.txt" % top, b"Drop OSGi bundles here (e.g. svnkit).\n", False
    yield "%s/repository/logs/.keep" % top, b"", False


def build(output, version=DEFAULT_VERSION):
    """Write the pack to ``output`` and return its sha256."""
    os.makedirs(os.path.dirname(os.path.abspath(output)), exist_ok=True)
    tmp = output + ".tmp"
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data, executable in sorted(pack_entries(version)):
            info = zipfile.ZipInfo(name, FIXED_TIME)
            info.external_attr = (0o100755 if executable else 0o100644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    os.replace(tmp, output)
    with open(output, "rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", required=True, help="path of the zip to write")
    parser.add_argument("--version", default=DEFAULT_VERSION, help="APIM version the pack imitates")
    args = parser.parse_args(argv)
    print("%s  %s" % (build(args.output, args.version), args.output))


if __name__ == "__main__":
    sys.exit(main())
