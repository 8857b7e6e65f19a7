// Fastify gives every request a child logger bound to its request id. Pino's child() serialises the
// bindings and copies the logger's state each time: ~4 % of the CPU of a funnel.json request under
// wrk (`npm run bench:platform`), for a logger most requests never use (request logging is off).
import type { FastifyBaseLogger, FastifyServerOptions } from 'fastify';
import type { Bindings, ChildLoggerOptions } from 'pino';

const METHODS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** A request's logger: the same lines, bound to the same request id, but its child made on first use. */
class RequestLogger {
  #child: FastifyBaseLogger | undefined;

  constructor(
    private readonly parent: FastifyBaseLogger,
    private readonly bindings: Bindings,
    private readonly options: ChildLoggerOptions,
  ) {}

  #logger(): FastifyBaseLogger {
    return (this.#child ??= this.parent.child(this.bindings, this.options));
  }

  get level(): string {
    return this.#child?.level ?? this.options.level ?? this.parent.level;
  }

  set level(level: string) {
    this.#logger().level = level;
  }

  child(bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    return this.#logger().child(bindings, options);
  }

  static {
    // On the prototype, not per instance: each method passes its arguments through as they are.
    for (const name of METHODS) {
      Object.defineProperty(RequestLogger.prototype, name, {
        value: function (this: RequestLogger, ...args: unknown[]) {
          const logger = this.#logger();
          (logger[name] as (...a: unknown[]) => void).apply(logger, args);
        },
      });
    }
  }
}

/** Fastify's `childLoggerFactory` option: request loggers that cost nothing until they log. */
export const lazyRequestLogger: NonNullable<FastifyServerOptions['childLoggerFactory']> = (
  logger,
  bindings,
  options,
) => new RequestLogger(logger, bindings, options) as unknown as FastifyBaseLogger;
