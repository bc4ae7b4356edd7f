import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

// Served by the admin host at /console/ (Silo/Admin/ConsoleHosting.cs); everything is bundled, nothing comes from a CDN.
export default defineConfig({
  base: "/console/",
  plugins: [react()],
  build: { outDir: "dist", emptyOutDir: true, sourcemap: false },
  test: { include: ["src/**/*.test.ts"], environment: "node" },
});
