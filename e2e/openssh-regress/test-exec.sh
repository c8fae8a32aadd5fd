#!/bin/sh
# A replacement for OpenSSH's regress/test-exec.sh: runs one upstream regression test (OpenSSH's own
# file, unchanged) against a Converge agent reached through the relay, instead of an sshd it starts.
#
#   sh test-exec.sh OBJ SCRIPT
#
# The caller (e2e/openssh-regress.test.ts) has started the relay and the agent and passes:
#   CONVERGE_PROXY       the ProxyCommand that reaches the agent (converge-wsproxy .../client/<id>)
#   CONVERGE_KEY         a private key the agent authorizes
#   CONVERGE_HOST_KEY    the agent's host key ("ssh-ed25519 AAAA...")
#   CONVERGE_PORT        the agent's --listen port (for tests that bring their own ProxyCommand)
#   CONVERGE_ALGORITHMS  a directory with kex, cipher and mac: what the agent offers, one per line
#
# What differs from upstream, and why:
#   - start_sshd and stop_sshd do nothing: the agent is already running. Edits a test makes to
#     sshd_config or sshd_proxy have no effect (the tests that depend on them are listed as not
#     applicable in openssh-regress.test.ts).
#   - ssh_config and ssh_proxy both reach the agent through the relay (upstream's ssh_proxy runs
#     `sshd -i`); a connection to another port (`ssh -p N`: the end of a forwarding chain the test
#     built) goes to that port on 127.0.0.1, as upstream's would.
#   - $SSH is a wrapper whose `-Q kex|cipher|cipher-auth|mac` lists what both ssh and the agent offer:
#     kextype, try-ciphers and rekey configure sshd to accept all of ssh's, which an agent cannot be told
#     to do. Like upstream's ssh-log-wrapper.sh it logs to $TEST_SSH_LOGFILE (rekey counts NEWKEYS there).
#   - $SFTPSERVER is a wrapper that opens the agent's sftp subsystem over ssh, so `sftp -D` and
#     `scp -D` tests go through the relay to the agent's server.
#   - $NC is netcat-openbsd (upstream builds its own netcat.c).
#   - $DATA is the first 128 KiB of ssh-agent, not the whole binary (485 KiB on Debian 12): sftp.sh moves
#     it 24 times with requests as small as 5 bytes, each one a round trip through the relay. Tests that
#     need more grow it with increase_datafile_size, as upstream.

OBJ=$1
SCRIPT=$2
[ -d "$OBJ" ] || { echo "not a directory: $OBJ"; exit 2; }
[ -f "$SCRIPT" ] || { echo "not a file: $SCRIPT"; exit 2; }
for v in CONVERGE_PROXY CONVERGE_KEY CONVERGE_HOST_KEY CONVERGE_PORT CONVERGE_ALGORITHMS; do
	eval "[ -n \"\$$v\" ]" || { echo "$v is not set"; exit 2; }
done
sh -n "$SCRIPT" || { echo "syntax error in $SCRIPT"; exit 2; }

unset SSH_AUTH_SOCK
USER=`id -un`
LOGNAME=$USER
export LOGNAME
PORT=$CONVERGE_PORT
SRC=`dirname "$SCRIPT"`
TEST_SHELL=${TEST_SHELL:-sh}
SUDO=

REAL_SSH=`command -v ssh`
SSH=$OBJ/ssh
SSHD=/bin/false
SSHAGENT=ssh-agent
SSHADD=ssh-add
SSHKEYGEN=ssh-keygen
SSHKEYSCAN=ssh-keyscan
SFTP=sftp
SFTPSERVER=$OBJ/sftp-server-via-agent
SCP=scp
NC=/bin/nc.openbsd
SSH_BIN=$SSH
SSHD_BIN=$SSHD
SSHAGENT_BIN=`command -v ssh-agent`
SSHADD_BIN=`command -v ssh-add`
SSHKEYGEN_BIN=`command -v ssh-keygen`
SSHKEYSCAN_BIN=`command -v ssh-keyscan`
SFTP_BIN=`command -v sftp`
SFTPSERVER_BIN=$SFTPSERVER
SCP_BIN=`command -v scp`
export SSH SSHD SSHAGENT SSHADD SSHKEYGEN SSHKEYSCAN SFTP SFTPSERVER SCP
# Tests that call upstream's own netcat binary by path get netcat-openbsd (same flags: -N -U -l -x -X).
ln -sf "$NC" "$OBJ/netcat"

TEST_SSH_LOGDIR=$OBJ/log
mkdir -p "$TEST_SSH_LOGDIR"
TEST_SSH_LOGFILE=$TEST_SSH_LOGDIR/ssh.log
TEST_SSHD_LOGFILE=$TEST_SSH_LOGDIR/sshd.log
TEST_REGRESS_LOGFILE=$TEST_SSH_LOGDIR/regress.log
: >"$TEST_SSH_LOGFILE"; : >"$TEST_SSHD_LOGFILE"; : >"$TEST_REGRESS_LOGFILE"
export TEST_SSH_LOGFILE TEST_SSHD_LOGFILE TEST_REGRESS_LOGFILE

DATANAME=data
DATA=$OBJ/$DATANAME
head -c 131072 "$SSHAGENT_BIN" >"$DATA"
chmod u+w "$DATA"
COPY=$OBJ/copy
rm -f "$COPY"

increase_datafile_size() {
	while [ `du -k "$DATA" | cut -f1` -lt $1 ]; do
		cat "$SSHAGENT_BIN" >>"$DATA"
	done
}
have_prog() { command -v "$1" >/dev/null 2>&1; }
jot() { awk "BEGIN { for (i = $2; i < $2 + $1; i++) { printf \"%d\n\", i } exit }"; }
rev() { awk '{ for (i = length($0); i > 0; i--) printf "%s", substr($0, i, 1); printf "\n" }'; }
md5() { md5sum | cut -d' ' -f1; }
config_defined() { return 1; }
make_tmpdir() { SSH_REGRESS_TMP=`mktemp -d "${TMPDIR:-/tmp}/openssh-XXXXXXXX"` || fatal "failed to create temporary directory"; }
maybe_add_scp_path_to_sshd() { :; }
start_sshd() { trace "start_sshd: the agent is already running"; }
stop_sshd() { :; }
start_debug_log() { echo "trace: $@" >>"$TEST_REGRESS_LOGFILE"; }
save_debug_log() { echo "$@" >>"$TEST_REGRESS_LOGFILE"; }
trace() { start_debug_log "$@"; [ "X$TEST_SSH_TRACE" = "Xyes" ] && echo "$@"; return 0; }
verbose() { start_debug_log "$@"; [ "X$TEST_SSH_QUIET" != "Xyes" ] && echo "$@"; return 0; }
cleanup() {
	if [ -n "$SSH_PID" ] && [ "$SSH_PID" -gt 1 ]; then kill "$SSH_PID" 2>/dev/null; fi
	if [ -n "$SSH_REGRESS_TMP" ]; then rm -rf "$SSH_REGRESS_TMP"; fi
}
fail() { save_debug_log "FAIL: $@"; RESULT=1; echo "$@"; }
fatal() { save_debug_log "FATAL: $@"; printf "FATAL: "; fail "$@"; cleanup; exit $RESULT; }
skip() { echo "SKIPPED: $@"; cleanup; exit $RESULT; }

RESULT=0
trap fatal 3 2

# ssh with its log in $TEST_SSH_LOGFILE (as upstream's ssh-log-wrapper.sh: rekey counts NEWKEYS there),
# except `-Q kex|cipher|mac`: the algorithms both ssh and the agent offer.
cat >"$SSH" <<EOF
#!/bin/sh
case "\$1 \$2" in
"-Q kex"|"-Q cipher"|"-Q mac")
	"$REAL_SSH" -Q "\$2" | grep -Fx -f "$CONVERGE_ALGORITHMS/\$2"
	exit ;;
"-Q cipher-auth")
	"$REAL_SSH" -Q cipher-auth | grep -Fx -f "$CONVERGE_ALGORITHMS/cipher"
	exit ;;
esac
exec "$REAL_SSH" -E "$TEST_SSH_LOGFILE" "\$@"
EOF
chmod 755 "$SSH"

# The agent's sftp subsystem on stdin/stdout, through the relay (sftp -D / scp -D run this). Its own copy
# of the client config: tests edit ssh_config (scp-uri removes Port and User).
cat >"$SFTPSERVER" <<EOF
#!/bin/sh
exec "$REAL_SSH" -F "$OBJ/ssh_config.sftp-server" -o LogLevel=ERROR -s converge-agent sftp
EOF
chmod 755 "$SFTPSERVER"

# Port $PORT is the agent: reach it through the relay. Any other port is one a test forwarded.
cat >"$OBJ/proxy" <<EOF
#!/bin/sh
if [ "\$1" = "$PORT" ]; then exec $CONVERGE_PROXY; fi
exec $NC 127.0.0.1 "\$1"
EOF
chmod 755 "$OBJ/proxy"

printf 'localhost-with-alias,127.0.0.1,::1 %s\n' "$CONVERGE_HOST_KEY" >"$OBJ/known_hosts"
cat >"$OBJ/ssh_config" <<EOF
Host *
	Hostname		127.0.0.1
	HostKeyAlias		localhost-with-alias
	Port			$PORT
	User			$USER
	GlobalKnownHostsFile	$OBJ/known_hosts
	UserKnownHostsFile	$OBJ/known_hosts
	PubkeyAuthentication	yes
	ChallengeResponseAuthentication	no
	PasswordAuthentication	no
	BatchMode		yes
	StrictHostKeyChecking	yes
	LogLevel		DEBUG3
	IdentityFile		$CONVERGE_KEY
	IdentitiesOnly		yes
	ProxyCommand		$OBJ/proxy %p
EOF
cp "$OBJ/ssh_config" "$OBJ/ssh_proxy"
cp "$OBJ/ssh_config" "$OBJ/ssh_config.sftp-server"
# Tests copy and edit these; edits have no effect on the agent.
: >"$OBJ/sshd_config"
: >"$OBJ/sshd_proxy"

. "$SCRIPT"

cleanup
if [ $RESULT -eq 0 ]; then
	verbose ok $tid
else
	echo failed $tid
fi
exit $RESULT
