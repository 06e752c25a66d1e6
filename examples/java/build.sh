#!/bin/sh
# Builds examples/java/build/orders.zip, the code of java.json, as a Java
# function's package is laid out for Lambda: the classes at the zip's root
# (dependencies would go in lib/*.jar). Compiled against vpcsim's Java
# runtime client jar, which holds AWS's interfaces under AWS's package names
# (com.amazonaws.services.lambda.runtime): the same source builds against
# AWS's aws-lambda-java-core jar for Lambda.
#   examples/java/build.sh [RUNTIMES_DIR]  (default: the source tree's runtimes/,
#   else /usr/local/lib/vpcsim/runtimes after `make install`)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
rt=${1:-${VPCSIM_RUNTIMES_DIR:-$here/../../runtimes}}
[ -f "$rt/java/lib/vpcsim-lambda-java.jar" ] || rt=/usr/local/lib/vpcsim/runtimes
jar="$rt/java/lib/vpcsim-lambda-java.jar"
[ -f "$jar" ] || { echo "build.sh: no $jar: run make (it builds the Java runtime client)" >&2; exit 1; }
rm -rf "$here/build"
mkdir -p "$here/build/classes"
javac --release 17 -cp "$jar" -d "$here/build/classes" "$here"/src/example/*.java
(cd "$here/build/classes" && zip -qr ../orders.zip .)
echo "$here/build/orders.zip"
