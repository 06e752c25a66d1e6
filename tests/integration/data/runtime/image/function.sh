function handler () {
  if (echo x > /var/task/written) 2>/dev/null; then ro=rw; else ro=ro; fi
  echo "image:$IMG_VAR:$ro:$1"
}
function other () {
  echo "other:$PWD"
}
