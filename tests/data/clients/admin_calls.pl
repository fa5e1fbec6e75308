# Perl's Frontier::Client (libfrontier-rpc-perl), which has no switch for <nil/>: the same calls
# as admin_calls.rb, its password given to LWP for the server's Basic challenge.
# Usage: perl admin_calls.pl URL USER PASSWORD HOST
use strict;
use warnings;
use Frontier::Client;
use URI;

my ($url, $user, $password, $host) = @ARGV;
my $client = Frontier::Client->new(url => $url);
$client->{ua}->credentials(URI->new($url)->host_port, "ovirt-node-config", $user, $password);
my $node = $client->call("admin.show_node", $host);
print "show_node $node->{hostname} $node->{credential}\n";
print "list_nodes ", join(",", map { $_->{hostname} } @{ $client->call("admin.list_nodes") }), "\n";
my $since = $client->date_time("20000101T00:00:00");
print "history ", join(",", map { $_->{action} } @{ $client->call("admin.history", $host, $since) }), "\n";
