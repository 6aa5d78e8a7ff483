/** @jsxRuntime automatic @jsxImportSource hono/jsx */
import type { DeadLetter } from "../../../core/ports/store.js";
import type { OperatorView } from "../access.js";
import type { ExplorerLinks } from "../links.js";
import { FoldedJson, Json, Notice, Time } from "./components.js";
import { Layout } from "./layout.js";

/** What the last form post did, shown once at the top of the list. */
export type DeadLetterNotice = { readonly tone: "ok" | "bad"; readonly text: string };

export interface DeadLettersProps {
  readonly links: ExplorerLinks;
  readonly operator: OperatorView;
  readonly letters: readonly DeadLetter[];
  readonly notice?: DeadLetterNotice;
  /** The redriven and discarded letters are listed too. */
  readonly history?: boolean;
}

/** Messages the system gave up on, with the way back: redrive once the cause is fixed, or discard. */
export function DeadLettersPage({ links, operator, letters, notice, history = false }: DeadLettersProps) {
  return (
    <Layout title="Dead letters" section="dead-letters" links={links} operator={operator}>
      {notice && <Notice tone={notice.tone}>{notice.text}</Notice>}
      <p class="muted">
        Redrive sends a message through the normal pipeline again, as the system; when it succeeds the letter is marked redriven. A message
        that already succeeded is answered from the response store and changes nothing. Redriven and discarded letters stay in the history
        with who decided and when.
      </p>
      <p>
        {history ? <a href={links.deadLetters()}>Show open letters only</a> : <a href={links.deadLetters(true)}>Show the history too</a>}
      </p>
      {letters.length === 0 ? (
        <p>
          No {history ? "" : "open "}dead letters in realm {operator.realm}.
        </p>
      ) : (
        <table>
          <caption>{history ? "Dead letters and their history" : "Open dead letters"}, oldest first</caption>
          <thead>
            <tr>
              <th scope="col">Id</th>
              <th scope="col">Source</th>
              <th scope="col">Error</th>
              <th scope="col">Attempts</th>
              <th scope="col">First failure</th>
              <th scope="col">Last failure</th>
              <th scope="col">Message</th>
              <th scope="col">Actions or outcome</th>
            </tr>
          </thead>
          <tbody>
            {letters.map((letter) => (
              <tr id={`dead-letter-${letter.id}`}>
                <td>{letter.id}</td>
                <td>{letter.source}</td>
                <td>
                  <code>{letter.error.code}</code>: {letter.error.message}
                </td>
                <td>{letter.attempts}</td>
                <td>
                  <Time iso={letter.firstFailedAt} />
                </td>
                <td>
                  <Time iso={letter.lastFailedAt} />
                </td>
                <td>
                  <FoldedJson summary="JSON" value={readableMessage(letter.message)} />
                </td>
                <td>
                  {letter.resolution ? (
                    <span>
                      {letter.resolution.outcome} by {letter.resolution.operator} at <Time iso={letter.resolution.at} />
                    </span>
                  ) : (
                    <div class="actions">
                      <form method="post" action={links.redrive(letter.id)}>
                        <button type="submit" aria-label={`Redrive dead letter ${letter.id}`}>
                          Redrive
                        </button>
                      </form>
                      <a href={links.discard(letter.id)} aria-label={`Discard dead letter ${letter.id}`}>
                        Discard…
                      </a>
                    </div>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Layout>
  );
}

/** Discarding deletes the message for good, so it takes a second, explicit step. */
export function DiscardPage({ links, operator, letter }: { links: ExplorerLinks; operator: OperatorView; letter: DeadLetter }) {
  return (
    <Layout title={`Discard dead letter ${letter.id}?`} section="dead-letters" links={links} operator={operator}>
      <p>
        The message below failed with <code>{letter.error.code}</code>: {letter.error.message}. Discarding deletes it; it cannot be redriven
        afterwards.
      </p>
      <Json value={readableMessage(letter.message)} />
      <div class="actions">
        <form method="post" action={links.discard(letter.id)}>
          <button class="danger" type="submit">
            Discard dead letter {letter.id}
          </button>
        </form>
        <a href={links.deadLetters()}>Keep it</a>
      </div>
    </Layout>
  );
}

/** Queue consumers keep the raw body, a JSON string: shown parsed, so it reads like the request it is. */
function readableMessage(message: unknown): unknown {
  if (typeof message !== "string") return message;
  try {
    return JSON.parse(message);
  } catch {
    return message;
  }
}
