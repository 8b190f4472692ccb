// Server-Sent Events read from a fetch() body. EventSource cannot send the session token
// (it travels in the Authorization header), so the stream is parsed here, per the HTML
// standard's event-stream format: `event:` and `data:` fields, a blank line ends an event,
// lines starting with ":" are comments (keep-alives).

/**
 * Call `onEvent({event, data, id})` for each event in `body` (a ReadableStream of bytes),
 * until the stream ends. `data` is the event's data lines joined with "\n".
 */
export async function readEvents(body, onEvent) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  let event = { event: "message", data: [], id: null };
  const line = (text) => {
    if (text === "") {
      if (event.data.length) onEvent({ event: event.event, data: event.data.join("\n"), id: event.id });
      event = { event: "message", data: [], id: null };
      return;
    }
    if (text.startsWith(":")) return;
    const colon = text.indexOf(":");
    const field = colon < 0 ? text : text.slice(0, colon);
    let value = colon < 0 ? "" : text.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "event") event.event = value;
    else if (field === "data") event.data.push(value);
    else if (field === "id") event.id = value;
  };
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    const lines = buffer.split("\n");
    buffer = lines.pop();
    for (const text of lines) line(text.endsWith("\r") ? text.slice(0, -1) : text);
  }
  if (buffer) line(buffer);
  line("");
}
