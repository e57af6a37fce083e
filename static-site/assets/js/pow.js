// Bot protection: fetch a challenge and solve it in a worker; returns the `pow` body member.

export const POW_MESSAGE = "Проверка, что вы не робот…";

export async function proofOfWork(api) {
  const { challenge, difficulty } = await api.get("/auth/challenge", { auth: false });
  // A classic worker by its path from the page (both pages sit at the root): the bundle has no
  // import.meta, and Firefox before 114 has no module workers.
  const worker = new Worker("assets/js/pow-worker.js");
  try {
    const nonce = await new Promise((resolve, reject) => {
      worker.onmessage = (event) =>
        event.data.error ? reject(new Error(event.data.error)) : resolve(event.data.nonce);
      worker.onerror = (event) => {
        event.preventDefault();
        reject(new Error(event.message || "worker-error"));
      };
      worker.postMessage({ challenge, difficulty });
    });
    return { challenge, nonce };
  } catch {
    throw Object.assign(
      new Error(
        "Не удалось пройти проверку в этом браузере. Обновите страницу или воспользуйтесь другим браузером.",
      ),
      { fields: [] },
    );
  } finally {
    worker.terminate();
  }
}
