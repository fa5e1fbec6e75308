# Sourced by the guest scenarios: NetworkManager without systemd, a management profile as a
# cloud image has one, waiting for the host's signals, and the kernel's view of the network.

say() { echo "--- [$(cut -d' ' -f1 /proc/uptime)s] $*"; }

# NetworkManager keeps every NIC "unmanaged (platform-init)" until udev has seen it: udevd first,
# a coldplug of the net subsystem only, and its 99-default.link masked so the kernel's names
# (eth0, eth1...) stay; then a system D-Bus and NetworkManager, waited for (nm-online -s).
nm_start() {
    mkdir -p /run/dbus /var/lib/NetworkManager /etc/NetworkManager/conf.d \
        /etc/NetworkManager/system-connections /etc/systemd/network
    cat > /etc/NetworkManager/conf.d/90-test-guest.conf <<'CONF'
[main]
no-auto-default=*
[connectivity]
enabled=false
[logging]
level=INFO
CONF
    : > /etc/systemd/network/99-default.link   # an empty .link masks the packaged one
    rm -f /etc/NetworkManager/dispatcher.d/01-ifupdown   # Debian's hook for ifupdown: fails here
    /usr/lib/systemd/systemd-udevd --daemon
    udevadm trigger --action=add --subsystem-match=net
    udevadm settle -t 30
    dbus-daemon --system --fork
    NetworkManager --no-daemon > /run/nm.log 2>&1 &
    nm-online -s -q -t 60 || { echo "NetworkManager did not start"; tail -30 /run/nm.log; return 1; }
}

# eth0 by DHCP (slirp's), as cloud-init leaves a cloud image: the agent moves it aside for its own
management_profile() {
    umask 077
    cat > /etc/NetworkManager/system-connections/cloud-init-eth0.nmconnection <<'KF'
[connection]
id=cloud-init eth0
uuid=1dd9a779-d327-56e1-8454-c65e2556c12c
type=ethernet
interface-name=eth0

[ipv4]
method=auto

[ipv6]
method=ignore
KF
    umask 022
    nmcli connection reload
    nmcli connection up "cloud-init eth0" > /dev/null
}

# eth0 by hand (no NetworkManager): slirp's default address
management_by_hand() {
    ip link set eth0 up
    ip addr add 10.0.2.15/24 dev eth0
}

# wait for the host to leave /guest/$1 (a test's step between two boots)
wait_for_host() {
    local i
    for i in $(seq 1 900); do [ -e "/guest/$1" ] && return 0; sleep 0.2; done
    echo "the host never sent $1"; exit 1
}

# the agent, as a node's boot runs it; its output in /guest/agent-$1.txt, its status in agent-$1.rc
run_agent() {
    local name=$1; shift
    say "agent ($name): $AGENT --server $SERVER $*"
    "$AGENT" --server "$SERVER" --retry-for 30 "$@" > "/guest/agent-$name.txt" 2>&1
    local rc=$?
    say "agent ($name) done"
    echo "$rc" > "/guest/agent-$name.rc"
    say "agent ($name) exited $rc"
    return 0
}

# the kernel's and NetworkManager's view, for the test to read: /guest/state-$1/ (bash builtins
# where they do: every fork costs tens of milliseconds in an emulated guest)
record_state() {
    local out=/guest/state-$1 entry option name value
    mkdir -p "$out"
    ip -j addr show > "$out/addresses.json"
    ip -j -d link show > "$out/links.json"
    ip -j route show table all > "$out/routes.json"
    for entry in /sys/class/net/*/bonding; do
        [ -d "$entry" ] || continue
        name=${entry%/bonding}; name=${name##*/}
        cat "/proc/net/bonding/$name" > "$out/proc-$name"
        for option in "$entry"/*; do
            value=
            read -r value < "$option" 2>/dev/null
            printf '%s=%s\n' "${option##*/}" "$value"
        done > "$out/sysfs-$name"
    done
    if [ -e /run/dbus/system_bus_socket ]; then
        nmcli -t -f DEVICE,STATE,CONNECTION device > "$out/nm-devices" 2>&1
    fi
    for entry in /etc/NetworkManager/system-connections/* /etc/sysconfig/network-scripts/*; do
        [ -e "$entry" ] && echo "${entry##*/}"
    done > "$out/files"
    touch "$out/done"
}
