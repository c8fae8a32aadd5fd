import { STATUS, SftpRequestError, toSftpStatus } from './errors';

const errno = (code: string, message = `${code}: boom`): Error => Object.assign(new Error(message), { code });

test.each([
  ['ENOENT', STATUS.NO_SUCH_FILE, 'No such file'],
  ['ENOTDIR', STATUS.NO_SUCH_FILE, 'No such file'],
  ['EBADF', STATUS.NO_SUCH_FILE, 'No such file'],
  ['ELOOP', STATUS.NO_SUCH_FILE, 'No such file'],
  ['EACCES', STATUS.PERMISSION_DENIED, 'Permission denied'],
  ['EPERM', STATUS.PERMISSION_DENIED, 'Permission denied'],
  ['ENAMETOOLONG', STATUS.BAD_MESSAGE, 'Bad message'],
  ['ERR_INVALID_ARG_VALUE', STATUS.BAD_MESSAGE, 'Bad message'],
  ['ENOSYS', STATUS.OP_UNSUPPORTED, 'Operation unsupported'],
])('%s -> status %i', (code, status, message) => {
  expect(toSftpStatus(errno(code))).toEqual({ code: status, message });
});

test('other errno values are FAILURE with the error text', () => {
  expect(toSftpStatus(errno('EEXIST', "EEXIST: file already exists, mkdir '/x'"))).toEqual({
    code: STATUS.FAILURE,
    message: "EEXIST: file already exists, mkdir '/x'",
  });
  expect(toSftpStatus(errno('ENOSPC', 'ENOSPC: no space left on device'))).toMatchObject({ code: STATUS.FAILURE });
});

test('deliberate refusals keep their code and message; non-errors never throw', () => {
  expect(toSftpStatus(new SftpRequestError(STATUS.FAILURE, 'Invalid handle'))).toEqual({
    code: STATUS.FAILURE,
    message: 'Invalid handle',
  });
  expect(toSftpStatus('weird')).toEqual({ code: STATUS.FAILURE, message: 'weird' });
  expect(toSftpStatus(undefined)).toEqual({ code: STATUS.FAILURE, message: 'undefined' });
  expect(toSftpStatus(new Error(''))).toEqual({ code: STATUS.FAILURE, message: 'Failure' });
  const err = new SftpRequestError(STATUS.FAILURE, 'x');
  expect(err).toBeInstanceOf(Error);
  expect(err.name).toBe('SftpRequestError');
});
