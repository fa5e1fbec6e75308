# The node agent at ROUNDS boots of one guest, against the test's server. NM=1 (default):
# NetworkManager runs and eth0 has a cloud-init style DHCP profile; NM=0: no NetworkManager, eth0
# addressed by hand. AGENT_ARGS (or AGENT_ARGS_N for round N): the agent's own arguments.
# PARTNER=1: eth3/eth4, wired to eth1/eth2 through QEMU hubs, become an 802.3ad bond in a network
# namespace (the switch), with PARTNER_ADDRESS. Before round N>1 the guest waits for the host's
# go-N (an administrator's change); after each round it records state-N (and pings PINGS_N's
# addresses, into pings-N.txt). HOLD=1: after the last
# round it waits for the host's "end" (a pulled cable, say), then records state-end (CHECK_END=1:
# and runs the agent's check, check-end). DRIFT_ROUND=N: after round N, between boots (below).
. "$GUEST_LIB"

# Between boots, as the check timer would: eth0's DHCP lease renewed (its profile activated
# again), a check (check-renewed); then by hand bond0's MTU lowered to 1500 and eth2 released (with
# nmcli: NetworkManager enslaves a port released with `ip link set eth2 nomaster` again at once), a
# check (check-drifted) and state-drifted; once the host sent "resync", a check again, which the
# server turns into a boot (check-resync), and state-resynced.
drift_between_boots() {
    local profile
    profile=$(nmcli -g GENERAL.CONNECTION device show eth0)
    nmcli connection up "$profile" > /guest/renew.txt 2>&1
    run_agent check-renewed --check
    ip link set bond0 mtu 1500
    nmcli device disconnect eth2 > /dev/null
    run_agent check-drifted --check
    record_state drifted
    wait_for_host resync
    run_agent check-resync --check --confirm-timeout "${CONFIRM_TIMEOUT:-30}"
    record_state resynced
}

if [ "${NM:-1}" = 1 ]; then
    nm_start || exit 1
    # a first boot: cloud-init's DHCP profile for eth0; a reboot finds the agent's on the disk
    [ -e /etc/NetworkManager/system-connections/eth0.nmconnection ] || management_profile || exit 1
else
    management_by_hand
    mkdir -p /etc/sysconfig/network-scripts
fi
if [ "${PARTNER:-0}" = 1 ]; then
    modprobe bonding
    ip netns add switch
    ip link set eth3 netns switch
    ip link set eth4 netns switch
    ip -n switch link add bond9 type bond mode 802.3ad miimon 100 lacp_rate fast
    ip -n switch link set eth3 master bond9
    ip -n switch link set eth4 master bond9
    ip -n switch link set bond9 up
    ip -n switch addr add "$PARTNER_ADDRESS" dev bond9
    # PARTNER_EXTRA: more addresses of the switch's bond (a second router); PARTNER_BEHIND:
    # addresses on its loopback, reached only through a router (a subnet behind it)
    for address in ${PARTNER_EXTRA:-}; do ip -n switch addr add "$address" dev bond9; done
    ip -n switch link set lo up
    for address in ${PARTNER_BEHIND:-}; do ip -n switch addr add "$address" dev lo; done
fi
say "ready: $(ip -br addr show eth0)"
for round in $(seq 1 "${ROUNDS:-1}"); do
    [ "$round" -gt 1 ] && wait_for_host "go-$round"
    args=AGENT_ARGS_$round   # AGENT_ARGS_N: this round's own arguments
    # shellcheck disable=SC2086
    run_agent "$round" --confirm-timeout "${CONFIRM_TIMEOUT:-30}" ${!args:-${AGENT_ARGS:-}}
    if [ "${PARTNER:-0}" = 1 ] && grep -q 802.3ad /sys/class/net/bond0/bonding/mode 2>/dev/null; then
        # both ends of both wires collecting and distributing
        for i in $(seq 1 60); do
            [ "$(grep -c 'port state: 63' /proc/net/bonding/bond0 2>/dev/null)" = 4 ] && break
            sleep 0.5
        done
        busybox ping -c 3 -W 2 "${PARTNER_ADDRESS%/*}" > "/guest/ping-$round.txt" 2>&1
        echo "ping exited $?" >> "/guest/ping-$round.txt"
        ip netns exec switch cat /proc/net/bonding/bond9 > "/guest/switch-$round.txt"
    fi
    pings=PINGS_$round   # PINGS_N: addresses pinged after round N, each result in pings-N.txt
    for address in ${!pings:-}; do
        busybox ping -c 2 -W 2 "$address" > /dev/null 2>&1
        echo "$address ping exited $?" >> "/guest/pings-$round.txt"
    done
    record_state "$round"
    [ "${DRIFT_ROUND:-0}" = "$round" ] && drift_between_boots
done
if [ "${HOLD:-0}" = 1 ]; then
    wait_for_host end
    record_state end
    [ "${CHECK_END:-0}" = 1 ] && run_agent check-end --check
fi
