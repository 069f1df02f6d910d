// What runs "inside" a fake Vast.ai instance, and how its ports are published. Vast maps each container port
// to a host port of its choosing; here a TCP forwarder on 127.0.0.1:<host port> plays that part, aimed at
// whatever the runtime runs (or at nothing). pause() makes the host unreachable (an instance lost offline).
import net from 'node:net';

export interface ContainerSpec {
  instanceId: number;
  label: string | null;
  image: string;
  /** The image env from the create call (the `-p` keys taken out). */
  env: Record<string, string>;
  /** "8787/tcp", "5000/udp", ... */
  containerPorts: string[];
  onstart: string | null;
  args: string[] | null;
  runtype: string;
  instanceApiKey: string;
  numGpus: number;
  /** The fake's own base URL (what console.vast.ai is to a real instance). */
  vastUrl: string;
}

export interface RunningContainer {
  /** Container port ("8787/tcp") → host port on 127.0.0.1. */
  hostPorts: Record<string, number>;
  /** Whether anything of the container still runs. */
  alive(): boolean;
  /** The processes running in it (none for a runtime that runs nothing). */
  processIds(): number[];
  /** Called once when everything in the container has exited by itself. */
  onExit(listener: (reason: string) => void): void;
  /** Host lost: connections drop, processes freeze. */
  pause(): void;
  resume(): void;
  stop(): Promise<void>;
}

export interface InstanceRuntime {
  start(spec: ContainerSpec): Promise<RunningContainer>;
}

/** A published port: 127.0.0.1:<hostPort> forwarded to 127.0.0.1:<target> (connections refused while none). */
export class PortForwarder {
  private readonly server = net.createServer((socket) => this.accept(socket));
  private readonly sockets = new Set<net.Socket>();
  private target: number | null = null;
  private paused = false;
  hostPort = 0;

  async listen(): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => resolve());
    });
    this.hostPort = (this.server.address() as net.AddressInfo).port;
    return this.hostPort;
  }

  setTarget(port: number | null): void {
    this.target = port;
  }

  pause(): void {
    this.paused = true;
    for (const s of this.sockets) s.destroy();
  }

  resume(): void {
    this.paused = false;
  }

  private accept(socket: net.Socket): void {
    if (this.paused || this.target === null) {
      socket.destroy();
      return;
    }
    const upstream = net.connect(this.target, '127.0.0.1');
    this.sockets.add(socket);
    this.sockets.add(upstream);
    const drop = (): void => {
      socket.destroy();
      upstream.destroy();
      this.sockets.delete(socket);
      this.sockets.delete(upstream);
    };
    socket.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    socket.pipe(upstream).pipe(socket);
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** What Vast sets in every container besides the create's env: its id and key, label, address, GPUs, ports. */
export function vastContainerVars(spec: ContainerSpec, forwarders: Map<string, PortForwarder>): Record<string, string> {
  const vars: Record<string, string> = {
    CONTAINER_ID: String(spec.instanceId),
    CONTAINER_API_KEY: spec.instanceApiKey,
    VAST_CONTAINERLABEL: `C.${spec.instanceId}`,
    PUBLIC_IPADDR: '127.0.0.1',
    GPU_COUNT: String(spec.numGpus),
  };
  for (const [containerPort, forwarder] of forwarders) vars[`VAST_TCP_PORT_${containerPort.split('/')[0]}`] = String(forwarder.hostPort);
  return vars;
}

export async function publishPorts(containerPorts: string[]): Promise<Map<string, PortForwarder>> {
  const forwarders = new Map<string, PortForwarder>();
  for (const containerPort of containerPorts) {
    if (!containerPort.endsWith('/tcp')) continue; // udp is listed by Vast but not forwarded here
    const forwarder = new PortForwarder();
    await forwarder.listen();
    forwarders.set(containerPort, forwarder);
  }
  return forwarders;
}

/**
 * STAND-IN runtime: runs nothing. The ports are published but refuse connections, like a container whose
 * image serves nothing on them. For tests of the API's behaviour that need no process.
 */
export class NoProcessRuntime implements InstanceRuntime {
  async start(spec: ContainerSpec): Promise<RunningContainer> {
    const forwarders = await publishPorts(spec.containerPorts);
    let stopped = false;
    return {
      hostPorts: Object.fromEntries([...forwarders].map(([k, f]) => [k, f.hostPort])),
      alive: () => !stopped,
      processIds: () => [],
      onExit: () => {},
      pause: () => forwarders.forEach((f) => f.pause()),
      resume: () => forwarders.forEach((f) => f.resume()),
      stop: async () => {
        stopped = true;
        await Promise.all([...forwarders.values()].map((f) => f.close()));
      },
    };
  }
}
