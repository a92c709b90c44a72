"""The moderator web console: a Vite + TypeScript app in web/, built into dist/, at /console."""
