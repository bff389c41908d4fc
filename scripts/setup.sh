#!/usr/bin/env bash
# Installs everything fibrix-metal needs on a fresh Debian/Ubuntu machine with Node >= 20:
# the Debian packages of the real peers the tests and the lab talk to, and the npm packages.
# Idempotent: packages already present are not fetched again.
set -euo pipefail
cd "$(dirname "$0")/.."

# Real peers (see README "What the tests talk to"):
#   openipmi (ipmi_sim), ipmitool, freeipmi-tools: IPMI 1.5 peers of our client and lab BMC
#   libvirt-daemon-system, libvirt-clients, qemu-system-x86, qemu-utils: VM hosts (TCG)
#   genisoimage: NoCloud seed ISOs; postgresql: HA store; bind9-dnsutils: dig
#   dnsmasq-base, ipxe-qemu, ipxe, iproute2: rack boot services and the PXE lab in a netns
#   busybox-static, syslinux, syslinux-common, mtools: the commissioning/deploy environment and test disk
#   openssl: the Terraform provider's per-run TLS certificate (go-plugin AutoMTLS)
#   python3-yaml: the seed ISO test loads our cloud-init YAML with PyYAML, as cloud-init does
#   chromium, fonts-dejavu-core: the web console's browser tests and bench/ui drive Debian's
#     Chromium headless (puppeteer-core downloads no browser); DejaVu gives screenshots legible text
#   nftables: tenant-network rules on VM hosts (anti-spoofing, security groups, 1:1 NAT);
#   socat: the tenant-network test drives its guests' serial consoles (raw pty, as virsh console)
#   (the guests' kernel is Debian's linux-image-cloud-amd64, fetched with apt-get download at build)
#   curl: the TLS tests' independent HTTPS client (no CA: refused; --cacert: trusted); openssl
#     also makes the region's self-signed certificate and probes it with s_client
#   tmux: the console test runs `fibrix vms console` on a real terminal (a tmux pane's pty)
DEB_PACKAGES=(openipmi ipmitool freeipmi-tools libvirt-daemon-system libvirt-clients qemu-system-x86
  qemu-utils genisoimage postgresql bind9-dnsutils dnsmasq-base ipxe-qemu ipxe iproute2 procps
  busybox-static syslinux syslinux-common mtools openssl python3-yaml chromium fonts-dejavu-core
  nftables socat curl tmux
  # The HA store (scripts/ha-lab.sh, test/integration/ha): Patroni keeps PostgreSQL primary/replicas
  # in etcd; Debian's Patroni talks to etcd's v2 API through python3-etcd.
  patroni etcd-server python3-etcd
  # Tenant networks on qemu+ssh:// VM hosts: the rack runs ip/nft there with OpenSSH's client;
  # test/integration/tenant-net/ssh-host.test.ts starts its own sshd as that host.
  openssh-client openssh-server)

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

missing=()
for p in "${DEB_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  $SUDO apt-get update -qq
  # No service starts during install (containers and CI have no init system).
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # openssh-server is here for the tests' own sshd: a system sshd it started (on a machine with
  # an init system) is stopped and disabled again. One that ran before setup is left alone.
  if [[ " ${missing[*]} " == *" openssh-server "* ]]; then
    if command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
      $SUDO systemctl disable --now ssh.service ssh.socket >/dev/null 2>&1 || true
    elif [ -x /etc/init.d/ssh ]; then
      $SUDO /etc/init.d/ssh stop >/dev/null 2>&1 || true
      $SUDO update-rc.d ssh disable >/dev/null 2>&1 || true
    fi
  fi
fi

node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$node_major" -lt 20 ]; then echo "setup: Node >= 20 is required (found $(node --version))" >&2; exit 1; fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing npm packages"
  npm ci --no-audit --no-fund
fi
npm run --silent build
echo "setup: ready"
