import { mount } from '../ui/mount.js';
import { App } from './App.js';

mount(<App />);
