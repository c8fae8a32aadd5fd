// Types for the test-only client ssh2-sftp-client 12 (it ships none): just the calls the tests make.
declare module 'ssh2-sftp-client' {
  import type { ConnectConfig, SFTPWrapper } from 'ssh2';

  interface FileInfo {
    type: string;
    name: string;
    size: number;
    modifyTime: number;
    accessTime: number;
    longname: string;
  }

  interface FileStats {
    mode: number;
    uid: number;
    gid: number;
    size: number;
    accessTime: number;
    modifyTime: number;
    isDirectory: boolean;
    isFile: boolean;
    isSymbolicLink: boolean;
  }

  class SftpClient {
    sftp: SFTPWrapper;
    connect(config: ConnectConfig): Promise<SFTPWrapper>;
    end(): Promise<boolean>;
    cwd(): Promise<string>;
    realPath(path: string): Promise<string>;
    list(path: string): Promise<FileInfo[]>;
    stat(path: string): Promise<FileStats>;
    exists(path: string): Promise<false | 'd' | '-' | 'l'>;
    get(path: string, dst?: string | NodeJS.WritableStream): Promise<string | NodeJS.WritableStream | Buffer>;
    put(src: string | Buffer | NodeJS.ReadableStream, path: string): Promise<string>;
    append(src: Buffer | NodeJS.ReadableStream, path: string): Promise<string>;
    fastGet(remote: string, local: string): Promise<string>;
    fastPut(local: string, remote: string): Promise<string>;
    mkdir(path: string, recursive?: boolean): Promise<string>;
    rmdir(path: string, recursive?: boolean): Promise<string>;
    delete(path: string, notFoundOK?: boolean): Promise<string>;
    rename(from: string, to: string): Promise<string>;
    chmod(path: string, mode: number | string): Promise<string>;
  }

  export = SftpClient;
}
