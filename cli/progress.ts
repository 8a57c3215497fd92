/**
 * A one-line progress bar on stderr, drawn only when stderr is a terminal (never in pipes, CI
 * logs or captured output), redrawn when the whole percentage changes, erased when done.
 */
export interface Progress {
  tick(): void;
  /** Writes a line (a note) to stderr without mixing it into the bar, then redraws the bar. */
  write(text: string): void;
  done(): void;
}

const WIDTH = 30;

export function progressBar(
  io: { stderr: (text: string) => void; stderrIsTTY: boolean },
  label: string,
  total: number,
): Progress {
  if (!io.stderrIsTTY || total === 0) {
    return { tick: () => undefined, write: (text) => io.stderr(text), done: () => undefined };
  }
  let count = 0;
  let shown = -1;
  const draw = () => {
    const percent = Math.floor((count * 100) / total);
    if (percent === shown) return;
    shown = percent;
    const filled = Math.floor((count * WIDTH) / total);
    io.stderr(`\r${label} [${"#".repeat(filled)}${" ".repeat(WIDTH - filled)}] ${count}/${total}`);
  };
  draw();
  return {
    tick() {
      count = Math.min(count + 1, total);
      draw();
    },
    write(text) {
      io.stderr(`\r\x1b[2K${text}`);
      shown = -1;
      draw();
    },
    done() {
      io.stderr("\r\x1b[2K");
    },
  };
}
