#!/usr/bin/env python3
"""Hostile container images, built by hand (t_hostile_pkg.sh, issue 18).
   mkimage.py BASE_DIR OUT.tar CASE HOSTDIR
BASE_DIR: a root with bash, curl and /opt/{bootstrap,probe.sh}; HOSTDIR:
the test's folder of canaries on the host, which the hostile layers point at.
CASE: tmp-link | hosts-link | resolv-link | ca-link | ca-file-link | var-link | whiteout |
device | manifest-escape."""
import io
import json
import sys
import tarfile

base_dir, out, case, host = sys.argv[1:5]


def tar_bytes(add):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tf:
        add(tf)
    return buf.getvalue()


def entry(tf, name, kind=tarfile.REGTYPE, data=b"", mode=0o644, **kw):
    ti = tarfile.TarInfo(name)
    ti.type, ti.mode = kind, mode
    for k, v in kw.items():
        setattr(ti, k, v)
    ti.size = len(data) if kind == tarfile.REGTYPE else 0
    tf.addfile(ti, io.BytesIO(data) if kind == tarfile.REGTYPE else None)


def link(tf, name, target):
    entry(tf, name, tarfile.SYMTYPE, linkname=target, mode=0o777)


base = tar_bytes(lambda tf: tf.add(base_dir, arcname="."))
layers = [("base/layer.tar", base)]
if case == "tmp-link":        # chmod 1777 of /tmp lands on a host file
    layers.append(("l2/layer.tar", tar_bytes(lambda tf: link(tf, "tmp", host + "/canary"))))
elif case == "hosts-link":    # open(O_CREAT) of /etc/hosts makes a host file
    layers.append(("l2/layer.tar", tar_bytes(
        lambda tf: link(tf, "etc/hosts", host + "/made-by-root"))))
elif case == "resolv-link":   # open(O_CREAT) of /etc/resolv.conf makes a host file
    layers.append(("l2/layer.tar", tar_bytes(
        lambda tf: link(tf, "etc/resolv.conf", host + "/made-by-root"))))
elif case == "ca-link":       # mkdir var/vpcsim/ca-bundle.pem lands in a host folder
    layers.append(("l2/layer.tar", tar_bytes(lambda tf: link(tf, "var/vpcsim", host + "/canary.d"))))
elif case == "ca-file-link":  # the CA bundle bound over a host file
    layers.append(("l2/layer.tar", tar_bytes(
        lambda tf: link(tf, "var/vpcsim/ca-bundle.pem", host + "/canary"))))
elif case == "var-link":      # mkdir var/task makes a host folder
    layers.append(("l2/layer.tar", tar_bytes(lambda tf: link(tf, "var", host + "/canary.d"))))
elif case == "whiteout":      # a later layer's whiteout, and one in the same layer
    layers.append(("l2/layer.tar", tar_bytes(lambda tf: link(tf, "w", host + "/canary.d"))))

    def l3(tf):
        entry(tf, "w/.wh.target")
        link(tf, "v", host + "/canary.d")
        entry(tf, "v/.wh.target2")
    layers.append(("l3/layer.tar", tar_bytes(l3)))
elif case == "device":        # /dev/zero's numbers, world-usable; setuid; a FIFO
    def l2(tf):
        entry(tf, "evil", tarfile.CHRTYPE, mode=0o666, devmajor=1, devminor=5)
        entry(tf, "sd", tarfile.BLKTYPE, mode=0o666, devmajor=7, devminor=0)
        entry(tf, "opt/suid", data=b"#!/bin/bash\nid\n", mode=0o6755)
        entry(tf, "fifo", tarfile.FIFOTYPE, mode=0o666)
    layers.append(("l2/layer.tar", tar_bytes(l2)))
elif case == "manifest-escape":  # a layer named by a path out of the archive
    layers.append(("../" * 16 + host.lstrip("/") + "/secret.tar", None))
else:
    sys.exit("unknown case " + case)

config = {"architecture": "amd64", "os": "linux",
          "config": {"Entrypoint": ["/opt/bootstrap"], "Cmd": ["probe.probe"],
                     "Env": ["PATH=/usr/bin:/bin"], "WorkingDir": "/"}}
manifest = [{"Config": "config.json", "Layers": [n for n, _ in layers]}]


def outer(tf):
    entry(tf, "manifest.json", data=json.dumps(manifest).encode())
    entry(tf, "config.json", data=json.dumps(config).encode())
    for name, data in layers:
        if data is not None:
            entry(tf, name, data=data)


with open(out, "wb") as f:
    f.write(tar_bytes(outer))
