/** A promise the test resolves when it chooses: hold the fake model on it, then open it to let the model go on. */
export type Gate = { until: Promise<void>; open(): void; readonly opened: boolean };

export function createGate(): Gate {
  let open = () => {};
  let opened = false;
  const until = new Promise<void>((resolve) => {
    open = () => {
      opened = true;
      resolve();
    };
  });
  return {
    until,
    open: () => open(),
    get opened() {
      return opened;
    },
  };
}
