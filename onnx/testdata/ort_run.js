// Runs ONNX files with onnxruntime-node for the Go tests.
// usage: node ort_run.js ONNXRUNTIME_NODE_DIR JOBS.json
// JOBS.json: [{"model": path, "input": raw float32 file, "dims": [..], "output": path}, ...]
// Each output is written as raw little-endian float32, its dims as JSON in output + ".dims".
const [ortDir, jobsPath] = process.argv.slice(2);
const ort = require(ortDir);
const fs = require('fs');

async function run(job) {
  const session = await ort.InferenceSession.create(job.model);
  const buf = fs.readFileSync(job.input);
  const x = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length));
  const feeds = {};
  feeds[session.inputNames[0]] = new ort.Tensor('float32', x, job.dims);
  const out = await session.run(feeds);
  const y = out[session.outputNames[0]];
  fs.writeFileSync(job.output, Buffer.from(y.data.buffer, y.data.byteOffset, y.data.byteLength));
  fs.writeFileSync(job.output + '.dims', JSON.stringify(y.dims));
}

(async () => {
  for (const job of JSON.parse(fs.readFileSync(jobsPath, 'utf8'))) {
    await run(job);
  }
})().catch((e) => {
  console.error(String(e));
  process.exit(1);
});
