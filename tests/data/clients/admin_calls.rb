# Ruby's stock XML-RPC client (the ruby-xmlrpc gem, as the 2008 admin scripts used): reads a
# node, the node list and the node's history since a Ruby Time. Prints one line per answer.
# Usage: ruby admin_calls.rb URL USER PASSWORD HOST
require "xmlrpc/client"

url, user, password, host = ARGV
client = XMLRPC::Client.new2(url.sub("://", "://#{user}:#{password}@"))
node = client.call("admin.show_node", host)
puts "show_node #{node['hostname']} #{node['credential']}"
puts "list_nodes #{client.call('admin.list_nodes').map { |n| n['hostname'] }.join(',')}"
since = Time.now - 3600
puts "history #{client.call('admin.history', host, since).map { |e| e['action'] }.join(',')}"
