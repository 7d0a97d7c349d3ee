#!/usr/bin/env node
console.log("afterword cli");
