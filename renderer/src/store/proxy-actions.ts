import type { Status } from '../../../proxy-core/src/control/contract.js';
import { errorMessage } from '../bridge/bridge.js';
import { bridge } from './bridge-ref.js';
import { RATE_SAMPLES } from './proxy-slice.js';
import { useVeil } from './store.js';

/** Takes a status from an event or a poll; the graph gets one sample per status. */
export function receiveStatus(status: Status): void {
  useVeil.setState((s) => ({
    status,
    statusError: null,
    rateHistory: [...s.rateHistory, status.counters.requestsPerSecond].slice(-RATE_SAMPLES),
  }));
}

/** Asks the service for its status. */
export async function loadStatus(): Promise<void> {
  try {
    receiveStatus(await bridge().invoke('status.get'));
  } catch (err) {
    useVeil.setState({ statusError: errorMessage(err) });
  }
}

/** Turns the proxy on or off; the switch shows the result the service reports. */
export async function setProxyRunning(on: boolean): Promise<void> {
  if (useVeil.getState().toggling) return;
  useVeil.setState({ toggling: true, toggleError: null });
  try {
    const status = await bridge().invoke(on ? 'proxy.start' : 'proxy.stop');
    receiveStatus(status);
    // The service answers with what is true now; say so when that is not what was asked.
    if (status.running !== on) {
      useVeil.setState({
        toggleError: on
          ? `Veil did not start: ${status.error ?? 'see the notices below.'}`
          : 'Veil did not stop: it was started with options that keep it on for this run.',
      });
    }
  } catch (err) {
    useVeil.setState({ toggleError: errorMessage(err) });
  } finally {
    useVeil.setState({ toggling: false });
  }
}

/** Points the operating system at Veil, or restores what it had. */
export async function setSystemProxy(on: boolean): Promise<void> {
  try {
    const systemProxy = await bridge().invoke(on ? 'system.enable' : 'system.disable');
    useVeil.setState((s) => (s.status ? { status: { ...s.status, systemProxy } } : {}));
  } catch (err) {
    useVeil.setState({ statusError: errorMessage(err) });
  }
}

/** Removes a notice once the user has dealt with it. */
export async function dismissNotice(id: string): Promise<void> {
  useVeil.setState((s) =>
    s.status ? { status: { ...s.status, notices: s.status.notices.filter((n) => n.id !== id) } } : {},
  );
  try {
    await bridge().invoke('notices.dismiss', { id });
  } catch (err) {
    useVeil.setState({ statusError: errorMessage(err) });
  }
}
