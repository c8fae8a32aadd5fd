"""Drives paramiko or asyncssh (Debian's python3-paramiko, python3-asyncssh) against an agent through the
relay, as Ansible, Fabric and deploy scripts do. Prints one JSON object of results; the e2e test checks them
and the files on disk. Usage: python_sftp.py paramiko|asyncssh CONFIG_JSON"""
import asyncio
import base64
import hashlib
import json
import sys
import warnings

warnings.simplefilter('ignore')  # python3-cryptography's deprecation notices are not ours


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        for chunk in iter(lambda: f.read(1 << 20), b''):
            h.update(chunk)
    return h.hexdigest()


def run_paramiko(cfg, out):
    import paramiko
    key = paramiko.Ed25519Key.from_private_key_file(cfg['key'])
    host_key = paramiko.Ed25519Key(data=base64.b64decode(cfg['hostKey'].split()[1]))
    transport = paramiko.Transport(paramiko.ProxyCommand(cfg['proxyCommand']))
    transport.connect(hostkey=host_key, username=cfg['user'], pkey=key)
    sftp = paramiko.SFTPClient.from_transport(transport)
    out['cipher'] = transport.remote_cipher
    sftp.chdir(cfg['cwd'])
    sftp.put(cfg['local'], 'big.bin')
    sftp.get('big.bin', cfg['local'] + '.back')
    out['sha256Back'] = sha256_file(cfg['local'] + '.back')
    sftp.symlink('target.txt', 'link')  # paramiko: (source, dest)
    out['readlink'] = sftp.readlink('link')
    sftp.posix_rename('new.txt', 'old.txt')
    sftp.close()
    transport.close()


async def run_asyncssh(cfg, out):
    import asyncssh
    host_key = asyncssh.import_public_key(cfg['hostKey'])
    async with asyncssh.connect(
        'converge-agent', username=cfg['user'], client_keys=[cfg['key']], known_hosts=([host_key], [], []),
        proxy_command=cfg['proxyCommand'], agent_path=None,
    ) as conn:
        out['serverVersion'] = conn.get_extra_info('server_version')
        async with conn.start_sftp_client() as sftp:
            await sftp.chdir(cfg['cwd'])
            await sftp.put(cfg['local'], 'big.bin')
            await sftp.get('big.bin', cfg['local'] + '.back')
            out['sha256Back'] = sha256_file(cfg['local'] + '.back')
            # asyncssh: (oldpath = target, newpath = link); it makes the target absolute against its cwd but
            # sends the link's path as given (relative to the server's directory), so give it whole.
            await sftp.symlink('target.txt', cfg['cwd'] + '/link')
            out['readlink'] = await sftp.readlink('link')
            await sftp.posix_rename('new.txt', 'old.txt')
            await sftp.link('target.txt', 'hard.txt')
            vfs = await sftp.statvfs('.')
            out['statvfsBlockSize'] = vfs.bsize
            async with sftp.open('synced.txt', 'w') as f:
                await f.write('synced\n')
                await f.fsync()
        # A remote forward whose connecting side half-closes: the reply must still come back.
        async def reply_after_eof(reader, writer):
            got = await reader.read()
            writer.write(b'got %d bytes: %s' % (len(got), got))
            await writer.drain()
            writer.close()
        server = await asyncio.start_server(reply_after_eof, '127.0.0.1', 0)
        local_port = server.sockets[0].getsockname()[1]
        listener = await conn.forward_remote_port('127.0.0.1', 0, '127.0.0.1', local_port)
        result = await conn.run(cfg['halfCloseClient'].replace('PORT', str(listener.get_port())), check=False)
        out['remoteForwardReply'] = result.stdout
        listener.close()
        server.close()


def main():
    which, cfg = sys.argv[1], json.loads(sys.argv[2])
    out = {}
    try:
        run_paramiko(cfg, out) if which == 'paramiko' else asyncio.run(run_asyncssh(cfg, out))
        print(json.dumps({'ok': True, **out}))
    except Exception as error:  # the test prints this line when a check fails
        import traceback
        where = [f for f in traceback.extract_tb(error.__traceback__) if f.filename == __file__][-1]
        print(json.dumps({'ok': False, **out, 'error': '%s: %s (line %d: %s)' % (type(error).__name__, error, where.lineno, where.line)}))
        sys.exit(1)


main()
