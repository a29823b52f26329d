/**
 * Process entry (`npm start`): config → logger → PKI (dev PKI, or a PKCS#11 token) → database and migrations →
 * deps → HTTP server; graceful shutdown on SIGINT/SIGTERM.
 */
import type { X509Certificate } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { ConfigError, loadConfig, type Config } from './config.ts';
import { assertPkiAllowed, DEV_PKI_PASSWORD, loadOrCreateDevPki, openTokenPki, type PkiServices } from './keys/index.ts';
import { createLogger, type Logger } from './logger.ts';
import { startServer, type ServerHandle } from './server.ts';
import { bootstrapDemoOrganisation } from './workflow/bootstrap-demo.ts';

async function start(config: Config, logger: Logger): Promise<ServerHandle> {
  await fs.mkdir(config.dataDir, { recursive: true });

  const pki = config.pkcs11 ? await openHsmPki(config, logger) : await openDevPki(config, logger);
  if (config.tsaUrls.length === 0) logger.info(`no TSA_URL: signatures are timestamped by the built-in TSA (key: ${pki.tsaKeyWhere})`);
  const handle = await startServer(config, { logger, trustAnchors: [pki.root], pki: pki.services, backgroundJobs: true });
  if (config.nodeEnv !== 'production') await bootstrapDemoOrganisation(handle.deps.db, { logger });
  logger.info({ port: handle.port, baseUrl: config.baseUrl, database: config.database.client }, `Paraaf listening on ${config.baseUrl}`);
  return handle;
}

interface StartPki {
  services: PkiServices;
  root: X509Certificate;
  tsaKeyWhere: string;
}

async function openDevPki(config: Config, logger: Logger): Promise<StartPki> {
  const password = config.pkiPassword ?? DEV_PKI_PASSWORD;
  // Before anything is generated: production refuses development keys and the development password.
  assertPkiAllowed({ nodeEnv: config.nodeEnv, password, development: true });
  const pki = await loadOrCreateDevPki({ directory: path.join(config.certsDir, 'dev'), password, baseUrl: config.baseUrl });
  logger.info(
    { root: pki.rootPem, directory: pki.directory },
    `${pki.created ? 'created a new' : 'loaded the'} development PKI; trust root certificate: ${pki.rootPem}`,
  );
  return { services: pki, root: pki.rootCertificate, tsaKeyWhere: 'the development PKI' };
}

/**
 * PKCS11_MODULE set: every PKI key signs inside the token (`npm run cli -- hsm init` / `hsm org <slug>` made them).
 * Outside production an organisation's CA and seal are created in the token on first use, as the dev PKI does.
 * The token stays logged in for the life of the process; its sessions end with it.
 */
async function openHsmPki(config: Config, logger: Logger): Promise<StartPki> {
  const pki = await openTokenPki(config.pkcs11!, { baseUrl: config.baseUrl, provisionOnFirstUse: config.nodeEnv !== 'production' });
  logger.info({ tokenLabel: pki.token.label, root: pki.root.subject }, `PKI keys in PKCS#11 token "${pki.token.label}"; trust its root (npm run cli -- hsm root)`);
  return { services: pki, root: pki.root, tsaKeyWhere: `PKCS#11 token "${pki.token.label}"` };
}

function installShutdown(handle: ServerHandle, logger: Logger): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down');
    handle.close().then(
      () => {
        logger.info('stopped');
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: error }, 'error during shutdown');
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const logger = createLogger({ level: config.logLevel });
  // A rejection nobody handled means a state we did not plan for: log it and let the supervisor restart us.
  process.on('unhandledRejection', (reason) => {
    logger.fatal({ err: reason }, 'unhandled promise rejection');
    process.exit(1);
  });
  try {
    const handle = await start(config, logger);
    installShutdown(handle, logger);
  } catch (error) {
    logger.fatal({ err: error }, 'failed to start');
    process.exit(1);
  }
}

await main();
