import { readFileSync } from 'node:fs';
import type { AfterwordConfig } from '../config.js';

type TemporalConfig = AfterwordConfig['temporal'];

/**
 * Connection options for the client and the worker from the `temporal` configuration: mTLS from
 * certificate files (self-hosted with TLS, Temporal Cloud with certificates), or an API key
 * (Temporal Cloud; TLS on). Plain TCP otherwise (the dev server, a private network).
 */
export function connectionOptions(config: TemporalConfig) {
  const tls = config.tls
    ? {
        clientCertPair: { crt: readFileSync(config.tls.certPath), key: readFileSync(config.tls.keyPath) },
        ...(config.tls.caPath ? { serverRootCACertificate: readFileSync(config.tls.caPath) } : {}),
      }
    : config.apiKey
      ? true
      : undefined;
  return {
    address: config.address,
    ...(tls ? { tls } : {}),
    ...(config.apiKey ? { apiKey: config.apiKey } : {}),
  };
}

/** The job's workflow in the Temporal Web UI, when its URL is configured. */
export function webUiLink(config: TemporalConfig, jobId: string): string | null {
  if (!config.webUiUrl) return null;
  const base = config.webUiUrl.replace(/\/+$/, '');
  return `${base}/namespaces/${encodeURIComponent(config.namespace)}/workflows/${encodeURIComponent(jobId)}`;
}
