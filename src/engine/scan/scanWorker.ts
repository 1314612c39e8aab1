// A decode worker of a folder scan: reads, decodes and preprocesses one image at a time off the
// inference thread, and hands back the model's input tensor (transferred, not copied).
import { parentPort } from "worker_threads";
import { toErrorData } from "../../shared/errors";
import { readImage } from "../image/decode";
import { modelInputBytes, planesToTensor } from "../image/preprocess";
import type { DecodeJob, DecodeReply } from "./decodePool";

parentPort?.on("message", (job: DecodeJob) => {
  void (async (): Promise<DecodeReply> => {
    try {
      const image = await readImage(job.file, job.maxMegapixels);
      return { id: job.id, tensor: planesToTensor(modelInputBytes(image, job.preprocessing).planes, job.preprocessing) };
    } catch (e) {
      return { id: job.id, error: toErrorData(e) };
    }
  })().then((reply) => parentPort?.postMessage(reply, "tensor" in reply ? [reply.tensor.buffer as ArrayBuffer] : []));
});
