"""The node boot agent: find the server, report the hardware, fetch and apply the configuration,
restart the network, verify the kernel, roll back on a difference, report how it went.

``discovery`` finds the server, ``server_link`` speaks to it, ``hardware`` reads the machine
under a root directory, ``credential`` keeps the node's credential, ``augeas_apply`` writes an
augtool section with python-augeas, ``network_files`` backs up and restores the files,
``node_stacks`` holds each stack's node half (detection, file mode, how the network comes up;
``network_manager`` brings keyfile profiles up), ``desired_network``, ``kernel_state`` and
``verification`` compare the kernel with the file, ``boot`` runs the steps.

May import: ``network`` (the pure model), ``config_file`` (the file's grammar, read strictly)
and the shared modules: nothing of the server, so that the base install (python-augeas and
dnspython) is enough on a node. Imported by: ``scripts/node_boot.py``.
"""
