# The guest's side of the network tests (tests/guest/suite.sh,
# tests/virt/suite.sh): busybox httpd on port 80 serving a page; the host
# fetching /cgi-bin/done ends the script (status 0), else status 21 after
# about 60 s.
mkdir -p /www/cgi-bin
echo "served by the guest" >/www/index.html
printf '#!/bin/sh\necho "Content-Type: text/plain"\necho\necho bye\ntouch /tmp/done\n' >/www/cgi-bin/done
chmod +x /www/cgi-bin/done
httpd -p 80 -h /www || exit 20
echo "httpd up on $(ip -4 addr show eth0 | sed -n 's/.*inet \([0-9.]*\).*/\1/p')"
i=0
while [ ! -e /tmp/done ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
[ -e /tmp/done ] || exit 21
