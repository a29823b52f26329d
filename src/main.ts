/**
 * Process entry (`npm start`): config → logger → dev PKI → database and migrations →
 * deps → HTTP server; graceful shutdown on SIGINT/SIGTERM.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { ConfigError, loadConfig, type Config } from './config.ts';
import { assertPkiAllowed, DEV_PKI_PASSWORD, loadOrCreateDevPki } from './keys/index.ts';
import { createLogger, type Logger } from './logger.ts';
import { startServer, type ServerHandle } from './server.ts';
import { bootstrapDemoOrganisation } from './workflow/bootstrap-demo.ts';

async function start(config: Config, logger: Logger): Promise<ServerHandle> {
  await fs.mkdir(config.dataDir, { recursive: true });

  const password = config.pkiPassword ?? DEV_PKI_PASSWORD;
  // Before anything is generated: production refuses development keys and the development password.
  assertPkiAllowed({ nodeEnv: config.nodeEnv, password, development: true });
  const pki = await loadOrCreateDevPki({ directory: path.join(config.certsDir, 'dev'), password, baseUrl: config.baseUrl });
  logger.info(
    { root: pki.rootPem, directory: pki.directory },
    `${pki.created ? 'created a new' : 'loaded the'} development PKI; trust root certificate: ${pki.rootPem}`,
  );

  if (config.tsaUrls.length === 0) logger.info('no TSA_URL: signatures are timestamped by the built-in TSA of the development PKI');
  const handle = await startServer(config, { logger, trustAnchors: [pki.rootCertificate], pki, backgroundJobs: true });
  if (config.nodeEnv !== 'production') await bootstrapDemoOrganisation(handle.deps.db, { logger });
  logger.info({ port: handle.port, baseUrl: config.baseUrl, database: config.database.client }, `Paraaf listening on ${config.baseUrl}`);
  return handle;
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
