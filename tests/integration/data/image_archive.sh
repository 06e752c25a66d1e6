# Packs a container image the way `docker save` writes one, without a
# registry or docker, for the image builders of the tests
# (aws_image/build.sh, aws_image/build_node.sh, runtime/image/build.sh,
# runtime_ric_image/build.sh); source it.
#
# image_archive ROOTFS TAG OUT.tar [OCI-DIR] <CONFIG: ROOTFS as the one
# layer (layer1/layer.tar), the image's config.json with the "config"
# object read from standard input (Entrypoint, Cmd, WorkingDir, Env) for
# linux/amd64, and manifest.json naming TAG, written as the archive
# OUT.tar (its parts made in ROOTFS.img, removed after). With OCI-DIR, the same image also as an OCI image layout
# (oci-layout, index.json, blobs/sha256: the layer gzipped).
image_archive() {
	local root=$1 tag=$2 out=$3 oci=${4:-} img=$1.img
	mkdir -p "$img/layer1"
	tar -C "$root" -cf "$img/layer1/layer.tar" .
	{
		printf '{ "architecture": "amd64", "os": "linux",\n  "config": '
		cat
		printf ',\n  "rootfs": { "type": "layers", "diff_ids": [] } }\n'
	} >"$img/config.json"
	printf '[{"Config":"config.json","RepoTags":["%s"],"Layers":["layer1/layer.tar"]}]\n' "$tag" \
		>"$img/manifest.json"
	tar -C "$img" -cf "$out" .
	[ -z "$oci" ] || image_oci "$img" "$oci"
	rm -rf "$img"
}

# image_oci IMG OCI-DIR: the config and layer of image_archive's folder IMG
# as an OCI image layout in OCI-DIR.
image_oci() {
	local img=$1 oci=$2 cfg layer man
	mkdir -p "$oci/blobs/sha256"
	gzip -c "$img/layer1/layer.tar" >"$img/layer.tar.gz"
	cfg=$(image_blob "$img/config.json" "$oci" application/vnd.oci.image.config.v1+json)
	layer=$(image_blob "$img/layer.tar.gz" "$oci" application/vnd.oci.image.layer.v1.tar+gzip)
	printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":%s,"layers":[%s]}' \
		"$cfg" "$layer" >"$img/oci-manifest.json"
	man=$(image_blob "$img/oci-manifest.json" "$oci" application/vnd.oci.image.manifest.v1+json)
	printf '{"schemaVersion":2,"manifests":[%s]}' "$man" >"$oci/index.json"
	echo '{"imageLayoutVersion":"1.0.0"}' >"$oci/oci-layout"
}

# image_blob FILE OCI-DIR MEDIATYPE: FILE stored as a blob of OCI-DIR; its
# descriptor printed.
image_blob() {
	local d s
	d=$(sha256sum "$1" | cut -d' ' -f1)
	s=$(stat -c %s "$1")
	cp "$1" "$2/blobs/sha256/$d"
	printf '{"mediaType":"%s","digest":"sha256:%s","size":%s}' "$3" "$d" "$s"
}
