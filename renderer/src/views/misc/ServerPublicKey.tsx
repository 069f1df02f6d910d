// One server's login key, public half: shown on request, with its fingerprint and a copy button, so an operator
// can add it for another user or check it against the server's authorized_keys. Nothing secret is fetched.
import { useQuery } from '@tanstack/react-query';
import { useRef, useState } from 'react';
import { serverPublicKey } from '../../../../electron/core/contracts/servers.js';
import { useConsole } from '../../api/console-context.js';
import { ErrorNotice, asErrorInfo } from '../../components/common.js';

export function ServerPublicKey({ serverId, serverName }: { serverId: string; serverName: string }) {
  const client = useConsole();
  const [open, setOpen] = useState(false);
  const [copy, setCopy] = useState<'idle' | 'copied' | 'manual'>('idle');
  const field = useRef<HTMLTextAreaElement>(null);
  const key = useQuery({
    queryKey: ['server-public-key', serverId],
    queryFn: () => client.invoke(serverPublicKey, { serverId }),
    enabled: open,
    retry: false,
  });
  const copyKey = async (text: string) => {
    try {
      await navigator.clipboard.writeText(text);
      setCopy('copied');
    } catch {
      // No clipboard here (a page that is not a secure context): select it for Ctrl+C instead.
      field.current?.select();
      setCopy('manual');
    }
  };

  if (!open) {
    return (
      <button type="button" className="small ghost" onClick={() => setOpen(true)} aria-label={`Show the public key for ${serverName}`}>
        Public key
      </button>
    );
  }
  return (
    <div className="public-key" role="region" aria-label={`public key for ${serverName}`}>
      {key.error && <ErrorNotice error={asErrorInfo(key.error)} onRetry={() => void key.refetch()} />}
      {key.isPending && <p className="muted">Reading the key…</p>}
      {key.data && key.data.publicKey === null && (
        <p className="muted">This server is reached through your ssh-agent: the key is the agent's, not the console's.</p>
      )}
      {key.data?.publicKey && (
        <>
          <textarea ref={field} readOnly rows={2} className="mono" value={key.data.publicKey} aria-label="public key" onFocus={(e) => e.currentTarget.select()} />
          <div className="row">
            <span className="mono muted">{key.data.fingerprint}</span>
            <button type="button" className="small" onClick={() => void copyKey(key.data!.publicKey!)}>
              Copy
            </button>
            {copy === 'copied' && <span role="status">Copied.</span>}
            {copy === 'manual' && <span role="status">Selected: press Ctrl+C to copy.</span>}
          </div>
        </>
      )}
      <button type="button" className="small ghost" onClick={() => setOpen(false)}>
        Hide
      </button>
    </div>
  );
}
