import { contextBridge, ipcRenderer } from 'electron';
import { createBridge } from './bridge';

// The page gets exactly `window.guardian = { call, subscribe }`: no ipcRenderer, no Node.
contextBridge.exposeInMainWorld('guardian', createBridge(ipcRenderer));
