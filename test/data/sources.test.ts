import * as fs from 'fs';
import * as path from 'path';
import { DataError, flatFolderSource, identityFolderSource, listFileSource } from '../../src/data';
import { makeTempDir, removeTempDir, writeImage } from './fixtures';

describe('image sources', () => {
  let dir: string;
  beforeAll(async () => {
    dir = makeTempDir('sources');
    await writeImage(path.join(dir, 'faces/bob/b1.jpg'), 'jpeg', 16, 16);
    await writeImage(path.join(dir, 'faces/alice/a2.png'), 'png', 16, 16);
    await writeImage(path.join(dir, 'faces/alice/a1.webp'), 'webp', 16, 16);
    await writeImage(path.join(dir, 'faces/carol/deeper/c1.png'), 'png', 16, 16); // too deep: ignored
    fs.writeFileSync(path.join(dir, 'faces/alice/readme.txt'), 'not an image');
    fs.mkdirSync(path.join(dir, 'empty'));
  });
  afterAll(() => removeTempDir(dir));

  it('identityFolderSource labels images by sorted folder name', () => {
    const source = identityFolderSource(path.join(dir, 'faces'));
    expect(source.classNames).toEqual(['alice', 'bob']);
    expect(source.paths.map((p) => path.relative(dir, p))).toEqual([
      'faces/alice/a1.webp',
      'faces/alice/a2.png',
      'faces/bob/b1.jpg',
    ]);
    expect(source.labels).toEqual([0, 0, 1]);
    expect(
      identityFolderSource(path.join(dir, 'faces'), { minImagesPerIdentity: 2 }).classNames,
    ).toEqual(['alice']);
    expect(identityFolderSource(path.join(dir, 'faces'), { identities: ['bob'] }).labels).toEqual([
      0,
    ]);
  });

  it('flatFolderSource finds images at any depth, without labels', () => {
    const source = flatFolderSource(dir);
    expect(source.paths).toHaveLength(4);
    expect(source.labels).toBeUndefined();
  });

  it('throws DataError for a missing folder or an empty dataset', () => {
    expect(() => identityFolderSource(path.join(dir, 'nope'))).toThrow(DataError);
    expect(() => identityFolderSource(path.join(dir, 'nope'))).toThrow(
      /identityFolderSource: root '.*nope' does not exist/,
    );
    expect(() => flatFolderSource(path.join(dir, 'empty'))).toThrow(
      /flatFolderSource: no images found in '.*empty'/,
    );
  });

  it('listFileSource reads path[,label] rows with names or integers', () => {
    const named = path.join(dir, 'named.csv');
    fs.writeFileSync(named, '# comment\nfaces/bob/b1.jpg,bob\n\nfaces/alice/a1.webp,alice\n');
    expect(listFileSource(named)).toMatchObject({ labels: [1, 0], classNames: ['alice', 'bob'] });
    const numbered = path.join(dir, 'numbered.txt');
    fs.writeFileSync(numbered, 'faces/bob/b1.jpg\t2\nfaces/alice/a1.webp\t0\n');
    expect(listFileSource(numbered)).toMatchObject({ labels: [2, 0], classNames: ['0', '1', '2'] });
    const plain = path.join(dir, 'plain.txt');
    fs.writeFileSync(plain, `${path.join(dir, 'faces/bob/b1.jpg')}\n`);
    expect(listFileSource(plain).labels).toBeUndefined();
  });

  it('listFileSource names the file and line of a bad row', () => {
    const bad = path.join(dir, 'bad.csv');
    fs.writeFileSync(bad, 'faces/bob/b1.jpg,bob\nfaces/missing.jpg,bob\n');
    expect(() => listFileSource(bad)).toThrow(
      /image '.*missing\.jpg' listed at .*bad\.csv:2 does not exist/,
    );
    fs.writeFileSync(bad, 'faces/bob/b1.jpg,bob\nfaces/alice/a1.webp\n');
    expect(() => listFileSource(bad)).toThrow(/row at .*bad\.csv:2 lacks a label/);
    fs.writeFileSync(bad, 'faces/bob/b1.jpg,\n');
    expect(() => listFileSource(bad)).toThrow(/malformed row at .*bad\.csv:1/);
  });
});
