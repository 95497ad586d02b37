/** Thrown for a wrong command line: printed with the usage, exit code 2. */
export class UsageError extends Error {}

/** The help text. */
export const usage = `usage: wisp <command> [options]

commands:
  up [--hosts N] [--nats URL] [--skew HOST=MS] [--storage S] [--programs MODULE]
                                                  start a local cluster: a file server fs1 and hosts,
                                                  each its own OS process (S: memory, dir:<path>, jetstream)
  run <program> [args…] [--on HOST] [--home HOST] run a program; stdin is its console input, its output printed, exits with its code
  run --anywhere <program> [args…]                run it on an idle host granted by migd (locally if none)
  input <host>                                    a keystroke from the host's owner: it is no longer idle
  ps                                              processes: pid, program, home, current host, state
  hosts                                           hosts in the cluster
  logs [--host H] [--pid P] [-f]                  the cluster's recent log lines (info and above) from every
                                                  host, file server and migd; -f: then follow new ones
  top                                             live view of hosts, processes, migrations and events
                                                  (keys: s sort, h or 1-9 host, 0 all hosts, q quit)
  kill <pid> [signal]                             send a signal (default TERM), routed via the pid's home
  migrate <pid> <host> [--strategy S]             move a running process (S: flush (default), copy,
                                                  precopy, lazy); prints the migration record
  evict <host>                                    send every foreign process on the host home
  programs                                        programs every host can run
  ui [--port P] [--listen ADDR]                   the web dashboard at http://127.0.0.1:P/ (default 7070):
                                                  hosts and processes live, migrations, one process's machine
  fs ls|stat|cat|put|rm|mkdir <path> [text]       the cluster's files (put reads stdin without text;
                                                  stat shows who has a file open and who caches it)
  host --id ID [--nats URL] [--skew-ms MS] [--fs /=fs1] [--programs MODULE]
                                                  run one host in the foreground (used by 'up')
  fileserver --id ID [--nats URL] [--storage S]   run one file server in the foreground (used by 'up')
  migd [--nats URL] [--idle-ms MS] [--load-below N] [--lease-ms MS]
                                                  run the load-sharing daemon (used by 'up'; defaults
                                                  30000 ms, 1, 30000 ms)

options for every command:
  --nats URL       NATS server (default: the cluster started by 'wisp up', or $WISP_NATS)
  --cluster NAME   cluster name (default: default)
  --fs SPEC        prefix table, path prefix = file server (default: /=fs1)
  --programs MODULE  also load the programs a module exports (\`export const programs = [...]\`);
                   repeatable; 'up' passes it to every host
  --log-level L    trace, debug, info, warn, error or silent, for this command and the hosts, file
                   server and migd it starts ($WISP_LOG_LEVEL; default info, 'up' starts them at warn)
  --log-format F   json (default) or pretty: how logs are written on stderr; for 'logs', how lines print
                   (default pretty)
  --report-ms MS   (up, host) ms between a host's reports of idle time and load to migd (default 1000)
  --idle-ms MS, --load-below N, --lease-ms MS
                   (up, migd) a host is idle after MS without owner input and load below N;
                   a grant not renewed within the lease ends
`;
