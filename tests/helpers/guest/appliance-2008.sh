# A 2008 appliance's boot, ROUNDS times (each round a reboot: bonds removed, the bonding module
# unloaded): ovirt-early's config request (ifconfig piped into the MAC list, wget), the answer run
# with bash, the pre-config script (its modprobe loads bonding with the node's mode), augtool
# applying the augtool section, then the ifcfg stand-in bringing the files up as initscripts
# would. No NetworkManager, no agent. Records modprobe-N (the module's mode) and state-N.
. "$GUEST_LIB"
management_by_hand
mkdir -p /etc/sysconfig/network-scripts
ip link set eth1 up
ip link set eth2 up
for round in $(seq 1 "${ROUNDS:-1}"); do
    wait_for_host "go-$round"
    for bond in $(cat /sys/class/net/bonding_masters 2>/dev/null); do echo "-$bond" > /sys/class/net/bonding_masters; done
    rmmod bonding 2>/dev/null
    rm -f /etc/sysconfig/network-scripts/ifcfg-*
    ip link set eth1 up; ip link set eth2 up
    # ovirt-early's pipeline (the 2008 wire protocol's README, section 3)
    macs=$(busybox ifconfig | awk '/HWaddr/ { print $5"="$1 }' | tr '\n' ' ' | sed 's/ /%2C/g;s/:/%3A/g')
    busybox wget -q -O /var/tmp/node-config "${SERVER}ovirt/managed_node/config?host=$(hostname)&macs=$macs" \
        || { echo "round $round: the config request failed"; exit 1; }
    bash /var/tmp/node-config || exit 1
    bash /var/tmp/pre-config-script || exit 1
    # the module's mode parameter is not in sysfs: a new bond takes it as its mode
    echo +probe0 > /sys/class/net/bonding_masters
    read -r mode < /sys/class/net/probe0/bonding/mode
    echo -probe0 > /sys/class/net/bonding_masters
    echo "$mode" > "/guest/modprobe-$round"
    # augtool as the node ran it, with only the lens it needs (loading every lens takes longer
    # than the rest of such a boot under emulation)
    augtool -A -t 'Shellvars incl /etc/sysconfig/network-scripts/ifcfg-*' < /var/tmp/node-augtool > /dev/null \
        || exit 1
    "$(dirname "$GUEST_LIB")/ifcfg-standin" > "/guest/standin-$round.txt" 2>&1
    echo "$?" > "/guest/standin-$round.rc"
    record_state "$round"
done
