# What a function inside a hostile image can see (t_hostile_pkg.sh): one
# word per check, bash builtins only.
probe() {
	local out="" id parent dev root mnt opts rest
	# 3: the device node the image shipped, and the root's mount options
	if { exec 3</evil; } 2>/dev/null; then out+="dev:opened "; exec 3<&-; else out+="dev:refused "; fi
	while read -r id parent dev root mnt opts rest; do
		[ "$mnt" = / ] && out+="root:$opts "
	done </proc/self/mountinfo
	# 4: the root-only tar's content, if it was unpacked into the image
	if [ -e /secret.txt ]; then out+="secret:$(</secret.txt) "; else out+="secret:absent "; fi
	# 2: the whiteouts' targets, through the image's links
	[ -e /w/target ] && out+="w:present " || out+="w:absent "
	# 1: whose /etc/resolv.conf the function reads
	local first=""
	read -r first </etc/resolv.conf
	[[ $first == "# written by vpcsim"* ]] && out+="resolv:vpcsim " || out+="resolv:other "
	echo "$out"
}
