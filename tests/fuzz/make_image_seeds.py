#!/usr/bin/env python3
"""Seeds of fuzz_image: hostile image archives and zips (issue 18), each a
few KB. Links point at ../canary and ../canary.d, which fuzz_image.c keeps
beside its unpacking folder. Run: tests/fuzz/make_image_seeds.py OUTDIR."""
import gzip
import hashlib
import io
import json
import os
import sys
import tarfile
import zipfile


def member(tf, name, data=b"", **kw):
    ti = tarfile.TarInfo(name)
    for k, v in kw.items():
        setattr(ti, k, v)
    if ti.type == tarfile.REGTYPE:
        ti.size = len(data)
        tf.addfile(ti, io.BytesIO(data))
    else:
        tf.addfile(ti)


def tar_of(entries, gz=False):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as tf:
        for e in entries:
            member(tf, *e[:2], **(e[2] if len(e) > 2 else {}))
        end = tf.offset
    data = buf.getvalue()[:end] + bytes(1024)  # no padding to 10 KB records
    return gzip.compress(data, mtime=0) if gz else data


CONFIG = json.dumps({"config": {"Entrypoint": ["/bin/sh"], "Cmd": ["-c", "true"],
                                "Env": ["A=1"], "WorkingDir": "/var/task"}}).encode()


def docker(layers, names=None):
    """A docker save archive: manifest.json, config, layer tars."""
    names = names or [f"l{i}/layer.tar" for i in range(len(layers))]
    man = [{"Config": "config.json", "Layers": names}]
    entries = [("manifest.json", json.dumps(man).encode()), ("config.json", CONFIG)]
    for n, l in zip(names, layers):
        if l is not None:
            entries.append((n, l))
    return tar_of(entries)


def oci(layers, nested=False):
    """An OCI layout archive: index.json, blobs by digest."""
    blobs = []

    def blob(data):
        d = "sha256:" + hashlib.sha256(data).hexdigest()
        blobs.append(("blobs/sha256/" + d[7:], data))
        return d

    man = {"config": {"digest": blob(CONFIG)},
           "layers": [{"digest": blob(l)} for l in layers]}
    top = {"manifests": [{"digest": blob(json.dumps(man).encode())}]}
    if nested:
        top = {"manifests": [{"digest": blob(json.dumps(top).encode())}]}
    return tar_of([("oci-layout", b'{"imageLayoutVersion":"1.0.0"}'),
                   ("index.json", json.dumps(top).encode())] + blobs)


SYM = {"type": tarfile.SYMTYPE}
DIR = {"type": tarfile.DIRTYPE, "mode": 0o755}


def link(target):
    return dict(SYM, linkname=target)


def seeds():
    good = tar_of([("bin/", b"", DIR), ("bin/app", b"#!/bin/sh\n", {"mode": 0o755}),
                   ("var/task/h.txt", b"hi"), ("tmp/", b"", dict(DIR, mode=0o1777))], gz=True)
    yield "good-docker.tar", docker([good])
    yield "good-oci.tar", oci([good])
    yield "good-oci-nested.tar", oci([good], nested=True)
    # 1: the root's mount points are links out of the image.
    yield "d1-tmp-link.tar", docker([tar_of([("tmp", b"", link("../canary"))])])
    yield "d1-tmp-abs.tar", docker([tar_of([("tmp", b"", link("/tmp/canary"))])])
    yield "d1-hosts-link.tar", docker([tar_of([("etc/", b"", DIR),
                                               ("etc/hosts", b"", link("../../canary"))])])
    yield "d1-var-link.tar", docker([tar_of([("var", b"", link("../canary.d"))])])
    yield "d1-write-through.tar", docker([tar_of([("x", b"", link("../canary.d")),
                                                  ("x/new", b"escaped")])])
    # 2: whiteouts through links, across layers and within one.
    yield "d2-wh-layers.tar", docker([tar_of([("w", b"", link("../canary.d"))]),
                                      tar_of([("w/.wh.keep", b"")])])
    yield "d2-wh-one-layer.tar", docker([tar_of([("w", b"", link("../canary.d")),
                                                 ("w/.wh.keep", b""),
                                                 ("w/.wh..wh..opq", b"")])])
    yield "d2-wh-dotdot.tar", docker([tar_of([(".wh...", b""), ("a/.wh..", b""),
                                              ("../.wh.canary", b"")])])
    # 3: device nodes, a FIFO, setuid.
    yield "d3-devices.tar", docker([tar_of([
        ("dev/", b"", DIR),
        ("dev/mem", b"", {"type": tarfile.CHRTYPE, "devmajor": 1, "devminor": 1, "mode": 0o666}),
        ("dev/loop0", b"", {"type": tarfile.BLKTYPE, "devmajor": 7, "devminor": 0, "mode": 0o666}),
        ("fifo", b"", {"type": tarfile.FIFOTYPE}),
        ("suid", b"x", {"mode": 0o6755})])])
    # 4: manifest names outside the archive.
    yield "d4-dotdot.tar", docker([None], names=["../../canary"])
    yield "d4-abs.tar", docker([None], names=["/etc/passwd"])
    yield "d4-member-link.tar", tar_of([
        ("manifest.json", json.dumps([{"Config": "config.json",
                                        "Layers": ["l/layer.tar"]}]).encode()),
        ("config.json", CONFIG), ("l/layer.tar", b"", link("../../canary"))])
    yield "d4-hardlink.tar", tar_of([
        ("manifest.json", json.dumps([{"Config": "config.json",
                                        "Layers": ["a.tar"]}]).encode()),
        ("config.json", CONFIG),
        ("b.tar", tar_of([("f", b"data")])),
        ("a.tar", b"", {"type": tarfile.LNKTYPE, "linkname": "b.tar"})])
    yield "d4-bad-digest.tar", tar_of([("index.json", json.dumps(
        {"manifests": [{"digest": "sha256:../../../canary"}]}).encode())])
    # 5: more than the limit (fuzz_image.c: 1 MB) however it is packed.
    big = tar_of([("zero", bytes(2 << 20))], gz=True)
    yield "d5-big-layer.tar", docker([big])
    yield "d5-hardlinks.tar", docker([tar_of([("f", b"x" * 1024)] + [
        (f"h{i}", b"", {"type": tarfile.LNKTYPE, "linkname": "f"}) for i in range(20)])])
    yield "good.zip", zip_of(False)
    yield "d5-descriptor-cut.zip", zip_of(True)


def zip_of(hostile):
    buf = io.BytesIO()

    class Stream(io.RawIOBase):
        """Unseekable: zipfile then writes data descriptors."""
        def writable(self):
            return True

        def write(self, b):
            return buf.write(b)

    with zipfile.ZipFile(Stream(), "w", zipfile.ZIP_DEFLATED) as z:
        if hostile:
            z.writestr("big", bytes(2 << 20))
            z.writestr("../escape", b"x")
        else:
            z.writestr("app.py", "def handler(e, c):\n    return 1\n")
            z.writestr("lib/", b"")
    data = buf.getvalue()
    if hostile:
        data = data[:data.rfind(b"PK\x01\x02") - 4]  # no central directory
    return data


if __name__ == "__main__":
    out = sys.argv[1] if len(sys.argv) > 1 else "seeds/image"
    os.makedirs(out, exist_ok=True)
    for name, data in seeds():
        assert len(data) <= 16384, (name, len(data))
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
