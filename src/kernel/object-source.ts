/**
 * The running kernel's BTF objects as a {@link BtfSource}, read by ID through `bpf()`, for
 * kernels without `/sys/kernel/btf`; and the running kernel's vmlinux read from its object
 * rather than its sysfs file. Apart from the directory and memory sources, so that reading a
 * directory loads nothing of the syscall layer.
 * @module
 */
import { statSync } from 'node:fs';
import type { Spec } from '../btf/spec.js';
import { inObject, NotFoundError, TsbpfError } from '../errors.js';
import { SYSFS_BTF_DIR } from './btf-file.js';
import { type BtfSource, byName } from './btf-source.js';
import { Handle } from './handle.js';
import { blobFromBytes } from './module-blob.js';
import type { ObjectSnapshot } from './object-snapshot.js';

/**
 * The running kernel's vmlinux BTF fetched from its BTF object, when a walk saw it: the same
 * bytes as `/sys/kernel/btf/vmlinux`, in one copy (`BPF_OBJ_GET_INFO_BY_FD`) where sysfs hands
 * them out a page per read (1,400 reads of a 5.5 MB file). `undefined` (read the file) when
 * there is no walk or the object cannot be read, or its size is not the file's.
 */
export function runningVmlinux(objects: ObjectSnapshot | undefined, file: string): Uint8Array | undefined {
  const info = objects?.vmlinux;
  if (info === undefined) return undefined;
  let size: number;
  try {
    size = statSync(file).size;
  } catch {
    return undefined;
  }
  if (info.size !== size) return undefined;
  let h: Handle | undefined;
  try {
    h = Handle.fromId(info.id);
    const bytes = h.bytes();
    return bytes.byteLength === size ? bytes : undefined;
  } catch {
    return undefined;
  } finally {
    h?.close();
  }
}

/** The running kernel's BTF objects, read by ID (for kernels without `/sys/kernel/btf`). */
export function objectSource(): BtfSource {
  let vmlinux: Spec | undefined;
  const snapshotOf = (objects: ObjectSnapshot | undefined): ObjectSnapshot => {
    if (!objects) throw new TsbpfError('kernel BTF objects: no walk of their IDs was passed (the registry is not live)');
    return objects;
  };
  return {
    description: 'kernel BTF objects',
    directory: undefined,
    vmlinux(objects) {
      if (vmlinux) return vmlinux;
      const snap = snapshotOf(objects);
      const info = snap.vmlinux;
      if (!info) {
        throw new NotFoundError(`${SYSFS_BTF_DIR} does not exist and ${snap.diagnostic ?? 'no BTF object named vmlinux'}`);
      }
      const h = Handle.fromId(info.id);
      try {
        vmlinux = h.spec(undefined, { name: 'vmlinux' });
      } finally {
        h.close();
      }
      return vmlinux;
    },
    vmlinuxChanged: () => false,
    forgetVmlinux() {
      vmlinux = undefined;
    },
    modules(objects) {
      const names = [...snapshotOf(objects).modules.keys()].sort(byName);
      return new Map(names.map((name) => [name, { name, file: undefined, spec: undefined }]));
    },
    readModule(m, id) {
      if (id === undefined) throw new NotFoundError(`module ${m.name}: no BTF object`);
      const h = Handle.fromId(id);
      const origin = `BTF object ${id}`;
      try {
        return blobFromBytes(m.name, origin, h.bytes());
      } catch (err) {
        throw inObject(err, origin);
      } finally {
        h.close();
      }
    },
    moduleStamp: () => undefined,
  };
}
