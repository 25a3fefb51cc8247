/**
 * A real OCI registry (Debian's `docker-registry`, the CNCF distribution server) on a free loopback
 * port with its storage in a temp folder, for the tests of ferry and of platform repositories
 * (`ferry/testing`) and for the benchmarks. Images are pushed through the registry API: a config
 * blob, one layer blob and an OCI image manifest.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RegistryClient } from '../registry/registry-client.js';

export const REGISTRY_BINARY = process.env.FERRY_TEST_REGISTRY_BINARY ?? '/usr/bin/docker-registry';

export interface LocalRegistry {
  /** http://127.0.0.1:<port> */
  readonly url: string;
  readonly client: RegistryClient;
  /** Pushes a small, unique image under `repository:tag`; returns its manifest digest. */
  pushImage(repository: string, tag: string): Promise<string>;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

export async function startRegistry(extraConfig = ''): Promise<LocalRegistry> {
  const dir = mkdtempSync(join(tmpdir(), 'ferry-registry-'));
  const port = await freePort();
  const config = join(dir, 'config.yml');
  writeFileSync(
    config,
    `version: 0.1
log:
  level: error
storage:
  filesystem:
    rootdirectory: ${join(dir, 'data')}
  delete:
    enabled: true
http:
  addr: 127.0.0.1:${port}
${extraConfig}`,
  );
  const child: ChildProcess = spawn(REGISTRY_BINARY, ['serve', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => void (stderr += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited (${child.exitCode}): ${stderr}`);
    try {
      const response = await fetch(`${url}/v2/`);
      if (response.status === 200 || response.status === 401) break;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) {
      child.kill();
      throw new Error(`docker-registry did not answer on ${url}/v2/ within 15 s: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const client = new RegistryClient({ baseUrl: url });
  return {
    url,
    client,
    pushImage: (repository, tag) => pushTestImage(client, repository, tag),
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Pushes a unique single-layer OCI image with `client`; returns the manifest digest. */
export async function pushTestImage(client: RegistryClient, repository: string, tag: string): Promise<string> {
  const layer = randomBytes(64);
  const layerDigest = await client.pushBlob(repository, layer);
  const configBody = Buffer.from(
    JSON.stringify({ architecture: 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: [layerDigest] } }),
  );
  const configDigest = await client.pushBlob(repository, configBody);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: configDigest, size: configBody.length },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: layerDigest, size: layer.length }],
    }),
  );
  return client.putManifest(repository, tag, manifest, 'application/vnd.oci.image.manifest.v1+json');
}
