/** A file of a dataset as its publisher serves it, with the checksum the publisher gives for it. */
export interface PublishedFile {
  readonly file: string;
  /** MD5 of the file as published (hex). */
  readonly md5: string;
}

/** A dataset trickster can fetch by name (`--data NAME`). */
export interface NamedDataset {
  readonly name: string;
  /** Official download location; files are fetched from `${url}/${file}`. */
  readonly url: string;
  readonly files: readonly PublishedFile[];
  /** The files a downloaded archive is unpacked to (CIFAR-10 ships one tarball); absent for plain files. */
  readonly unpack?: { readonly folder: string; readonly files: readonly string[] };
  /** A system-wide install found before the cache, and how to get it. */
  readonly system?: { readonly dir: string; readonly install: string };
  /**
   * Digits and other images whose meaning changes when mirrored: the presets' horizontal flip is
   * left off unless the user's own config asks for it.
   */
  readonly orientationSensitive: boolean;
}

const IDX_FILES = ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'];

/** The datasets `--data` accepts by name. */
export const NAMED_DATASETS: readonly NamedDataset[] = [
  {
    name: 'fashion-mnist',
    // The repository's data folder over HTTPS (the README's S3 links are plain HTTP).
    url: 'https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion',
    // MD5s published in Fashion-MNIST's README (github.com/zalandoresearch/fashion-mnist, "Get the
    // Data"), the same table as /usr/share/doc/dataset-fashion-mnist/README.md.gz of the Debian package.
    files: [
      { file: IDX_FILES[0]!, md5: '8d4fb7e6c68d591d4c3dfef9ec88bf0d' },
      { file: IDX_FILES[1]!, md5: '25c81989df183df01b3e8a0aad5dffbe' },
      { file: IDX_FILES[2]!, md5: 'bef4ecab320f06d8554ea6380940ec79' },
      { file: IDX_FILES[3]!, md5: 'bb300cfdad3c16e7a12a480ee83cd310' },
    ],
    system: { dir: '/usr/share/datasets/fashion-mnist', install: 'apt-get install -y dataset-fashion-mnist' },
    orientationSensitive: false,
  },
  {
    name: 'mnist',
    // PyTorch's mirror (yann.lecun.com no longer serves the files reliably), as torchvision uses it.
    url: 'https://ossci-datasets.s3.amazonaws.com/mnist',
    // MD5s of the original files as torchvision publishes them (torchvision/datasets/mnist.py, MNIST.resources).
    files: [
      { file: IDX_FILES[0]!, md5: 'f68b3c2dcbeaaa9fbdd348bbdeb94873' },
      { file: IDX_FILES[1]!, md5: 'd53e105ee54ea40749a09fcbcd1e9432' },
      { file: IDX_FILES[2]!, md5: '9fb629c4189551a2d022fa330f9573f3' },
      { file: IDX_FILES[3]!, md5: 'ec29112dd5afa0611ce80d1b7f02629c' },
    ],
    orientationSensitive: true,
  },
  {
    name: 'cifar10',
    url: 'https://www.cs.toronto.edu/~kriz',
    // MD5 published on https://www.cs.toronto.edu/~kriz/cifar.html ("CIFAR-10 binary version (suitable for C programs)").
    files: [{ file: 'cifar-10-binary.tar.gz', md5: 'c32a1d4ab5d03f1284b67883e8d87530' }],
    unpack: {
      folder: 'cifar-10-batches-bin',
      files: ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin', 'test_batch.bin', 'batches.meta.txt'],
    },
    orientationSensitive: false,
  },
];

/** The catalog entry called `name`, or undefined when trickster knows no dataset by that name. */
export function namedDataset(name: string): NamedDataset | undefined {
  return NAMED_DATASETS.find((d) => d.name === name);
}
